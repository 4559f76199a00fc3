import type { SessionEvent, ToolCallRecord } from '@astrocyte/managed-agents';

/** One line of a turn's live transcript, as the page and the terminal show it. */
export type TranscriptEvent =
  | { type: 'user'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; id: string; name: string; result: string; isError: boolean }
  | { type: 'agent'; text: string }
  /** The app stored the exchange (message and reply) as conversation turns of the chat session. */
  | { type: 'exchange_stored'; sessionId: string; memoryIds: string[] }
  | { type: 'done'; text: string; stopReason: string }
  | { type: 'error'; message: string };

/**
 * Turns the session events of one turn into transcript events, pairing each tool result with its call.
 * Results the stream did not echo are filled in from the runner's own record at the end of the turn.
 */
export class TranscriptBuilder {
  private readonly names = new Map<string, string>();
  private readonly resulted = new Set<string>();

  constructor(private readonly emit: (event: TranscriptEvent) => void) {}

  /** Feeds one session event; ignores the kinds the transcript does not show. */
  accept(event: SessionEvent): void {
    switch (event.type) {
      case 'agent.message': {
        const text = event.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
        if (text) this.emit({ type: 'agent', text });
        return;
      }
      case 'agent.custom_tool_use':
        this.names.set(event.id, event.name);
        this.emit({ type: 'tool_call', id: event.id, name: event.name, input: event.input });
        return;
      case 'agent.tool_use':
        this.names.set(event.id, event.name);
        this.emit({ type: 'tool_call', id: event.id, name: event.name, input: event.input });
        return;
      // The built-in toolset's calls (bash, files, web) are run by the platform; show them and their results too.
      case 'agent.tool_result':
        this.result(event.tool_use_id, event.content, event.is_error);
        return;
      case 'user.custom_tool_result':
        this.result(event.custom_tool_use_id, event.content, event.is_error);
        return;
      default:
        return;
    }
  }

  private result(id: string, content: { type: string; text?: string }[] | undefined, isError?: boolean | null): void {
    if (this.resulted.has(id)) return;
    this.resulted.add(id);
    const text = (content ?? []).map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
    this.emit({ type: 'tool_result', id, name: this.names.get(id) ?? 'tool', result: text, isError: isError ?? false });
  }

  /** Emits the results of calls whose result event never came through the stream. */
  settle(toolCalls: ToolCallRecord[]): void {
    for (const call of toolCalls) {
      if (this.resulted.has(call.id)) continue;
      this.resulted.add(call.id);
      this.emit({ type: 'tool_result', id: call.id, name: call.name, result: call.result, isError: call.isError });
    }
  }
}
