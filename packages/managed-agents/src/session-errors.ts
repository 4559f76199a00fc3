import { AstrocyteError, type AstrocyteErrorOptions, type ErrorCode } from '@astrocyte/core';

/**
 * A Managed Agents turn that ended without an answer. `errorType` is the platform's error type
 * (`model_overloaded_error`, `billing_error`, ...) or the reason the runner gave up.
 */
export class SessionError extends AstrocyteError {
  readonly sessionId: string;
  readonly errorType: string;

  constructor(
    sessionId: string,
    errorType: string,
    message: string,
    options: AstrocyteErrorOptions & { code?: ErrorCode } = {},
  ) {
    super(options.code ?? 'session_error', `session ${sessionId}: ${message}`, {
      ...options,
      details: { sessionId, errorType, ...options.details },
    });
    this.sessionId = sessionId;
    this.errorType = errorType;
  }
}

/** The platform reported an error it will not retry (`retry_status` `exhausted` or `terminal`). */
export class SessionFailedError extends SessionError {
  readonly retryStatus: string;

  constructor(sessionId: string, errorType: string, retryStatus: string, message: string) {
    super(sessionId, errorType, `${errorType} (${retryStatus}): ${message}`, {
      code: 'session_failed',
      details: { retryStatus },
    });
    this.retryStatus = retryStatus;
  }
}

/** The session terminated during the turn and accepts no further input. */
export class SessionTerminatedError extends SessionError {
  constructor(sessionId: string) {
    super(sessionId, 'session_terminated', 'the session terminated during the turn', { code: 'session_terminated' });
  }
}

/** The session was deleted during the turn. */
export class SessionDeletedError extends SessionError {
  constructor(sessionId: string) {
    super(sessionId, 'session_deleted', 'the session was deleted during the turn', { code: 'session_deleted' });
  }
}

/** The turn did not finish within `timeoutSeconds`; the runner interrupted the session. */
export class SessionTimeoutError extends SessionError {
  readonly timeoutSeconds: number;

  constructor(sessionId: string, timeoutSeconds: number) {
    super(sessionId, 'timeout', `the turn did not finish within ${timeoutSeconds} s; the session was interrupted`, {
      code: 'session_timeout',
      details: { timeoutSeconds },
    });
    this.timeoutSeconds = timeoutSeconds;
  }
}

/** The caller's abort signal fired; the runner interrupted the session. */
export class SessionAbortedError extends SessionError {
  constructor(sessionId: string, reason?: unknown) {
    super(sessionId, 'aborted', 'the turn was aborted by the caller; the session was interrupted', {
      code: 'session_aborted',
      ...(reason === undefined ? {} : { cause: reason }),
    });
  }
}

/**
 * The session waits for the application's permission to run a tool (`evaluated_permission` `ask`) and the turn has
 * no `onToolConfirmation` to give it. The session is left idle, waiting on the calls named here: confirm them with
 * `user.tool_confirmation`, or run the turn again with `onToolConfirmation`.
 */
export class ToolConfirmationRequiredError extends SessionError {
  readonly calls: ReadonlyArray<{ id: string; name: string }>;

  constructor(sessionId: string, calls: ReadonlyArray<{ id: string; name: string }>) {
    const named = calls.map((call) => `${call.name} (${call.id})`).join(', ');
    super(
      sessionId,
      'tool_confirmation_required',
      `the session waits for permission to run ${named}, and the turn has no onToolConfirmation; the session is left idle`,
      {
        code: 'session_confirmation_required',
        details: { toolUseIds: calls.map((call) => call.id), toolNames: calls.map((call) => call.name) },
      },
    );
    this.calls = calls.map((call) => ({ id: call.id, name: call.name }));
  }
}
