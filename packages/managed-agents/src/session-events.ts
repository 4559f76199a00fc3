import type {
  BetaManagedAgentsAgentCustomToolUseEvent,
  BetaManagedAgentsSessionEvent,
  BetaManagedAgentsStreamSessionEvents,
  BetaManagedAgentsUserCustomToolResultEventParams,
} from '@anthropic-ai/sdk/resources/beta/sessions/events';

/** Any event the stream or the history can hand the runner. */
export type SessionEvent = BetaManagedAgentsStreamSessionEvents | BetaManagedAgentsSessionEvent;

/** A custom tool call the runner answers. */
export type CustomToolUseEvent = BetaManagedAgentsAgentCustomToolUseEvent;

/** The answer to a custom tool call. */
export type CustomToolResultParams = BetaManagedAgentsUserCustomToolResultEventParams;

/** The text of an `agent.message` event, its text blocks joined. */
export function messageText(event: SessionEvent): string | null {
  if (event.type !== 'agent.message') return null;
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
