import { describeValue } from '@astrocyte/core';
import type { PermissionedToolUseEvent, ToolConfirmationParams } from './session-events.js';

/** The application's verdict on a tool call that waits for permission. */
export type ToolConfirmationDecision = { result: 'allow' } | { result: 'deny'; denyMessage?: string };

/**
 * Decides whether a built-in or MCP tool call whose permission policy asks the client (`evaluated_permission`
 * `ask`, or a value newer than this package) may run. Its verdict is sent as `user.tool_confirmation`.
 */
export type ToolConfirmationHandler = (
  event: PermissionedToolUseEvent,
) => ToolConfirmationDecision | Promise<ToolConfirmationDecision>;

/**
 * Asks `handler` about `event` and builds the confirmation to send. Fails closed: a handler that throws or answers
 * something other than allow or deny denies the call, and the deny message tells the model why.
 */
export async function decideConfirmation(
  handler: ToolConfirmationHandler,
  event: PermissionedToolUseEvent,
): Promise<ToolConfirmationParams> {
  let decision: unknown;
  try {
    decision = await handler(event);
  } catch (error) {
    return deny(event, `the application could not decide: ${error instanceof Error ? error.message : String(error)}`);
  }
  const verdict = decision as { result?: unknown; denyMessage?: unknown } | null;
  if (verdict?.result === 'allow') return { type: 'user.tool_confirmation', tool_use_id: event.id, result: 'allow' };
  if (verdict?.result === 'deny') {
    return deny(event, typeof verdict.denyMessage === 'string' ? verdict.denyMessage : undefined);
  }
  return deny(
    event,
    `the application answered ${decision === undefined ? 'nothing' : describeValue(decision)}, not allow or deny`,
  );
}

function deny(event: PermissionedToolUseEvent, message: string | undefined): ToolConfirmationParams {
  return {
    type: 'user.tool_confirmation',
    tool_use_id: event.id,
    result: 'deny',
    ...(message ? { deny_message: message } : {}),
  };
}
