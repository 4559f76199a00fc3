import { type AstrocyteError, ProviderAuthError, ProviderError } from '../errors.js';

/** What went wrong with one provider request, independent of which SDK made it. */
export type FailureKind =
  | 'auth'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'aborted'
  | 'rejected'
  | 'malformed_response'
  | 'client';

/** A classified failure: whether it is worth retrying, and how long the server asked us to wait. */
export interface ProviderFailure {
  kind: FailureKind;
  retryable: boolean;
  /** Already scrubbed of secrets. */
  message: string;
  status?: number;
  retryAfterMs?: number;
  requestId?: string;
  /** Only causes known to hold no secrets (network errors), never an SDK error that carries a response body. */
  cause?: unknown;
}

/** The typed Astrocyte error for a failure that will not be retried (any more). */
export function failureToError(
  provider: string,
  operation: string,
  failure: ProviderFailure,
  attempts: number,
): AstrocyteError {
  if (failure.kind === 'auth') return new ProviderAuthError(provider, failure.status ?? 401);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  return new ProviderError(provider, `${operation} failed${tries}: ${failure.message}`, {
    ...(failure.cause !== undefined ? { cause: failure.cause } : {}),
    details: {
      kind: failure.kind,
      attempts,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      ...(failure.requestId ? { requestId: failure.requestId } : {}),
      ...(failure.retryAfterMs !== undefined ? { retryAfterSeconds: Math.ceil(failure.retryAfterMs / 1000) } : {}),
    },
  });
}

/** A ProviderError for a response that arrived but cannot be used. */
export function malformedResponse(provider: string, operation: string, what: string): ProviderError {
  return new ProviderError(provider, `${operation} returned a malformed response: ${what}`, {
    details: { kind: 'malformed_response' },
  });
}
