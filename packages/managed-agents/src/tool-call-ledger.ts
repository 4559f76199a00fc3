import type Anthropic from '@anthropic-ai/sdk';
import { isMemoryTool, isPermanentClientError } from '@astrocyte/core';
import { type CustomToolBinding, executeCustomTool } from './execute-custom-tool.js';
import { sendAnswerOnce, type ToolAnswer } from './send-answer-once.js';
import {
  awaitsConfirmation,
  type CustomToolUseEvent,
  customToolResult,
  type PermissionedToolUseEvent,
  type SessionEvent,
} from './session-events.js';
import { decideConfirmation, type ToolConfirmationHandler } from './tool-confirmation.js';

/** A tool call the session may wait on: a custom tool's, or a built-in or MCP tool's that asks for permission. */
export type ToolCallEvent = CustomToolUseEvent | PermissionedToolUseEvent;

/** One custom tool call this client executed. */
export interface ToolCallRecord {
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** The text sent back to the model. */
  result: string;
  isError: boolean;
  /** The sub-agent thread that made the call, or null for the primary thread. */
  threadId: string | null;
  /** Whether the result reached the session. */
  posted: boolean;
}

/** One tool call the application allowed or denied through `onToolConfirmation`. */
export interface ToolConfirmationRecord {
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** The MCP server of an `agent.mcp_tool_use`, else null. */
  mcpServer: string | null;
  result: 'allow' | 'deny';
  denyMessage: string | null;
  threadId: string | null;
  /** Whether the verdict reached the session. */
  posted: boolean;
}

/** A call this client did not answer: left for another client, or dropped because its thread terminated. */
export interface UnansweredCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
  threadId: string | null;
  /** What it waited for: a custom tool result or a tool confirmation. */
  awaiting: 'result' | 'confirmation';
}

/** What became of a call, as it happens. */
export type LedgerOutcome =
  | { kind: 'answered'; event: CustomToolUseEvent; record: ToolCallRecord }
  | { kind: 'confirmed'; event: PermissionedToolUseEvent; record: ToolConfirmationRecord }
  | { kind: 'left' | 'dropped'; event: ToolCallEvent; call: UnansweredCall }
  | { kind: 'failed'; event: ToolCallEvent; error: unknown };

/** Who answers what, and how long a send may keep trying. */
export interface ToolCallLedgerOptions {
  client: Anthropic;
  sessionId: string;
  /** Stops every send; nothing is posted after it aborts. */
  signal: AbortSignal;
  binding: CustomToolBinding;
  /** The names `binding.nonMemoryToolHandler` answers; without it, every name that is not a memory tool. */
  handlerTools?: ReadonlySet<string>;
  /** A custom tool nobody here answers gets an error result (`error`) or is left for another client (`leave`). */
  answerUnownedTools: 'error' | 'leave';
  onToolConfirmation?: ToolConfirmationHandler;
  /** How long one send keeps retrying; without it, until `signal` aborts. */
  sendRetryForMs?: number;
  onOutcome?: (outcome: LedgerOutcome) => void;
}

/**
 * The tool calls of one session and their answers: each call is claimed once, answered once (executed, or asked
 * about) and posted exactly once, whichever of the stream, the history or an idle names it first. A call whose
 * sub-agent thread terminated is dropped: the platform accepts no answer for it.
 */
export class ToolCallLedger {
  readonly toolCalls: ToolCallRecord[] = [];
  readonly confirmations: ToolConfirmationRecord[] = [];
  readonly leftCalls: UnansweredCall[] = [];
  readonly droppedCalls: UnansweredCall[] = [];
  private readonly calls = new Map<string, ToolCallEvent>();
  private readonly answered = new Set<string>();
  private readonly claimed = new Map<string, Promise<void>>();
  private readonly passedOver = new Set<string>();
  private readonly terminatedThreads = new Set<string>();

  constructor(private readonly options: ToolCallLedgerOptions) {}

  /** Takes in one event: starts answering a call, or notes an answer or a terminated thread. */
  observe(event: SessionEvent): void {
    switch (event.type) {
      case 'agent.custom_tool_use':
      case 'agent.tool_use':
      case 'agent.mcp_tool_use':
        this.take(event);
        return;
      case 'user.custom_tool_result':
        this.answered.add(event.custom_tool_use_id);
        return;
      case 'user.tool_confirmation':
        this.answered.add(event.tool_use_id);
        return;
      case 'session.thread_status_terminated':
        this.terminatedThreads.add(event.session_thread_id);
        return;
    }
  }

  /** Takes in a history read: its answers first, so a call answered later in it is not run; then its open calls. */
  noteHistory(events: SessionEvent[]): void {
    for (const event of events) {
      if (
        event.type !== 'agent.custom_tool_use' &&
        event.type !== 'agent.tool_use' &&
        event.type !== 'agent.mcp_tool_use'
      )
        this.observe(event);
    }
    for (const event of events) {
      // A call whose send failed earlier is unclaimed again, and is retried here.
      if (
        event.type === 'agent.custom_tool_use' ||
        event.type === 'agent.tool_use' ||
        event.type === 'agent.mcp_tool_use'
      )
        this.take(event);
    }
  }

  /** Makes sure every id a `requires_action` idle names is being answered, fetching calls never seen. */
  async answerNamed(eventIds: string[]): Promise<void> {
    const wanted = new Set<string>();
    for (const id of eventIds) {
      const call = this.calls.get(id);
      if (call) this.take(call);
      else if (!this.answered.has(id)) wanted.add(id);
    }
    if (wanted.size === 0) return;
    // Calls from before this client attached, or whose event it missed.
    const { client, sessionId, signal } = this.options;
    try {
      for await (const event of client.beta.sessions.events.list(
        sessionId,
        { order: 'desc', types: ['agent.custom_tool_use', 'agent.tool_use', 'agent.mcp_tool_use'] },
        { signal },
      )) {
        if (!wanted.delete(event.id)) continue;
        this.observe(event);
        if (wanted.size === 0) break;
      }
    } catch (error) {
      if (signal.aborted || isPermanentClientError(error)) throw error;
      // Transient: the next idle names the ids again.
    }
  }

  /** Among `eventIds`, the calls waiting for a confirmation that nobody here will give. */
  unconfirmed(eventIds: string[]): PermissionedToolUseEvent[] {
    if (this.options.onToolConfirmation || this.options.answerUnownedTools === 'leave') return [];
    return eventIds.flatMap((id) => {
      const call = this.calls.get(id);
      if (!call || call.type === 'agent.custom_tool_use' || !awaitsConfirmation(call)) return [];
      return this.answered.has(id) || this.inTerminatedThread(call) ? [] : [call];
    });
  }

  /** Resolves once every claimed call is answered or given up. */
  async whenSettled(): Promise<void> {
    let count: number;
    do {
      count = this.claimed.size;
      await Promise.allSettled(this.claimed.values());
    } while (this.claimed.size !== count);
  }

  private take(event: ToolCallEvent): void {
    this.calls.set(event.id, event);
    const { id } = event;
    if (this.answered.has(id) || this.claimed.has(id) || this.passedOver.has(id)) return;
    const custom = event.type === 'agent.custom_tool_use';
    // Calls the platform runs without asking are not this client's business.
    if (!custom && !awaitsConfirmation(event)) return;
    const owned = custom ? this.ownsTool(event.name) : this.options.onToolConfirmation !== undefined;
    if (this.inTerminatedThread(event)) this.passOver('dropped', event);
    else if (!owned && this.options.answerUnownedTools === 'leave') this.passOver('left', event);
    // An unowned custom tool gets an error result; an unowned confirmation ends the turn at the idle (unconfirmed).
    else if (owned || custom) this.claimed.set(id, custom ? this.runTool(event) : this.confirm(event));
  }

  private ownsTool(name: string): boolean {
    if (isMemoryTool(name)) return true;
    const { binding, handlerTools } = this.options;
    return binding.nonMemoryToolHandler !== undefined && (handlerTools === undefined || handlerTools.has(name));
  }

  private async runTool(event: CustomToolUseEvent): Promise<void> {
    const { binding, signal } = this.options;
    // A tool the handler does not own must not reach it: the model gets the no-handler error instead.
    const outcome = await executeCustomTool(
      event,
      this.ownsTool(event.name) ? { ...binding, signal } : { ...binding, nonMemoryToolHandler: undefined },
    );
    const posted = await this.post(event, customToolResult(event, outcome.text, outcome.isError));
    if (posted === 'dropped') return;
    const record: ToolCallRecord = {
      id: event.id,
      name: event.name,
      input: event.input ?? {},
      result: outcome.text,
      isError: outcome.isError,
      threadId: event.session_thread_id ?? null,
      posted,
    };
    this.toolCalls.push(record);
    if (posted) this.options.onOutcome?.({ kind: 'answered', event, record });
  }

  private async confirm(event: PermissionedToolUseEvent): Promise<void> {
    const handler = this.options.onToolConfirmation;
    if (!handler) return;
    const verdict = await decideConfirmation(handler, event);
    const posted = await this.post(event, verdict);
    if (posted === 'dropped') return;
    const record: ToolConfirmationRecord = {
      id: event.id,
      name: event.name,
      input: event.input ?? {},
      mcpServer: event.type === 'agent.mcp_tool_use' ? event.mcp_server_name : null,
      result: verdict.result,
      denyMessage: verdict.deny_message ?? null,
      threadId: event.session_thread_id ?? null,
      posted,
    };
    this.confirmations.push(record);
    if (posted) this.options.onOutcome?.({ kind: 'confirmed', event, record });
  }

  /** Sends the answer: true once the session holds it, false when given up, 'dropped' when its thread ended. */
  private async post(event: ToolCallEvent, answer: ToolAnswer): Promise<boolean | 'dropped'> {
    const { client, sessionId, signal, sendRetryForMs } = this.options;
    if (signal.aborted) return false;
    if (this.inTerminatedThread(event)) {
      this.passOver('dropped', event);
      return 'dropped';
    }
    try {
      await sendAnswerOnce(client, sessionId, answer, {
        signal,
        isAnswered: (id) => this.answered.has(id),
        ...(sendRetryForMs === undefined ? {} : { retryForMs: sendRetryForMs }),
      });
      this.answered.add(event.id);
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      if (await this.threadTerminated(event)) {
        this.passOver('dropped', event);
        return 'dropped';
      }
      // Unclaimed, the call is tried again if a later history read finds it still open.
      this.claimed.delete(event.id);
      this.options.onOutcome?.({ kind: 'failed', event, error });
      return false;
    }
  }

  private passOver(kind: 'left' | 'dropped', event: ToolCallEvent): void {
    if (this.passedOver.has(event.id)) return;
    this.passedOver.add(event.id);
    const call: UnansweredCall = {
      id: event.id,
      name: event.name,
      input: event.input ?? {},
      threadId: event.session_thread_id ?? null,
      awaiting: event.type === 'agent.custom_tool_use' ? 'result' : 'confirmation',
    };
    (kind === 'left' ? this.leftCalls : this.droppedCalls).push(call);
    this.options.onOutcome?.({ kind, event, call });
  }

  private inTerminatedThread(event: ToolCallEvent): boolean {
    return !!event.session_thread_id && this.terminatedThreads.has(event.session_thread_id);
  }

  // After a refused answer: whether the call's thread terminated, from the events seen or else the history.
  private async threadTerminated(event: ToolCallEvent): Promise<boolean> {
    const thread = event.session_thread_id;
    if (!thread) return false;
    if (this.terminatedThreads.has(thread)) return true;
    const { client, sessionId, signal } = this.options;
    try {
      for await (const seen of client.beta.sessions.events.list(
        sessionId,
        { order: 'desc', types: ['session.thread_status_terminated'] },
        { signal },
      )) {
        if (seen.type === 'session.thread_status_terminated' && seen.session_thread_id === thread) {
          this.terminatedThreads.add(thread);
          return true;
        }
      }
    } catch {
      // Unknown: the call counts as failed, not dropped.
    }
    return false;
  }
}
