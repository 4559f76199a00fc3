import type {
  BetaManagedAgentsAgentCustomToolUseEvent,
  BetaManagedAgentsAgentMCPToolUseEvent,
  BetaManagedAgentsAgentToolUseEvent,
  BetaManagedAgentsSessionEvent,
  BetaManagedAgentsSessionStatusIdleEvent,
  BetaManagedAgentsStreamSessionEvents,
  BetaManagedAgentsUserCustomToolResultEventParams,
  BetaManagedAgentsUserToolConfirmationEventParams,
} from '@anthropic-ai/sdk/resources/beta/sessions/events';

/** Any event the stream or the history can hand the runner. */
export type SessionEvent = BetaManagedAgentsStreamSessionEvents | BetaManagedAgentsSessionEvent;

/** A custom tool call the runner answers. */
export type CustomToolUseEvent = BetaManagedAgentsAgentCustomToolUseEvent;

/** A built-in or MCP tool call: the platform runs it, but its permission policy may ask the client first. */
export type PermissionedToolUseEvent = BetaManagedAgentsAgentToolUseEvent | BetaManagedAgentsAgentMCPToolUseEvent;

/** The answer to a custom tool call. */
export type CustomToolResultParams = BetaManagedAgentsUserCustomToolResultEventParams;

/** The answer to a tool call that waits for the client's permission. */
export type ToolConfirmationParams = BetaManagedAgentsUserToolConfirmationEventParams;

/** What the session's `stop_details` holds when it goes idle (the SDK types details for `refusal` only). */
export type SessionStopDetails = BetaManagedAgentsSessionStatusIdleEvent['stop_details'];

/** The text of an `agent.message` or `user.message` event, its text blocks joined. */
export function messageText(event: SessionEvent): string | null {
  if (event.type !== 'agent.message' && event.type !== 'user.message') return null;
  return event.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

/** The result event that answers `call`; empty text becomes a placeholder because the API rejects empty blocks. */
export function customToolResult(call: CustomToolUseEvent, text: string, isError: boolean): CustomToolResultParams {
  return {
    type: 'user.custom_tool_result',
    custom_tool_use_id: call.id,
    content: [{ type: 'text', text: text || '(no output)' }],
    is_error: isError,
  };
}

/**
 * Whether the platform waits for the client's verdict before running `event`. Only `allow` and `deny` are decided
 * by the server; any other value, `ask` or one newer than this package, waits (fail closed, as the SDK does).
 */
export function awaitsConfirmation(event: PermissionedToolUseEvent): boolean {
  const permission: string | undefined = event.evaluated_permission;
  return permission !== undefined && permission !== 'allow' && permission !== 'deny';
}
