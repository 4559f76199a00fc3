import { setMaxListeners } from 'node:events';
import type Anthropic from '@anthropic-ai/sdk';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { AstrocyteError, abortableSleep, type Brain, isPermanentClientError } from '@astrocyte/core';
import { type CustomToolBinding, executeCustomTool } from './execute-custom-tool.js';
import { sendToolResultOnce } from './send-tool-result-once.js';
import {
  SessionAbortedError,
  SessionDeletedError,
  SessionError,
  SessionFailedError,
  SessionTerminatedError,
  SessionTimeoutError,
} from './session-errors.js';
import { type CustomToolUseEvent, customToolResult, messageText, type SessionEvent } from './session-events.js';
import type { ResolvedRunSessionOptions } from './session-options.js';

/** One custom tool call the runner executed during the turn. */
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

/** Everything one turn produced. */
export interface SessionTurnResult {
  /** The agent's messages joined by blank lines. */
  text: string;
  messages: string[];
  /** Why the session went idle: `end_turn`, `refusal`, `budget_reached`, ... */
  stopReason: string;
  toolCalls: ToolCallRecord[];
  /** How many times the runner reattached after a dropped stream. */
  reconnects: number;
}

type EndReason =
  | { kind: 'timeout' }
  | { kind: 'aborted'; reason: unknown }
  | { kind: 'failed'; error: Error }
  | { kind: 'done' };

type EventStream = Stream<BetaManagedAgentsStreamSessionEvents>;

const RECONNECT_START_MS = 100;
const RECONNECT_CAP_MS = 2_000;
// The interrupt is best effort and must not push the rejection past the time-out by more than a second.
const INTERRUPT_BUDGET_MS = 800;

/** A thrown marker that unwinds the loop when the turn controller aborted; run() turns it into the typed error. */
class TurnEnded extends Error {}

/** One turn of a Managed Agents session: the loop behind `runSessionWithMemory` (DESIGN §4). */
export class SessionTurn {
  private readonly controller = new AbortController();
  private endReason: EndReason | undefined;
  private stream: EventStream | undefined;
  private userMessageId: string | undefined;
  private messageSent = false;
  private reconnects = 0;
  private readonly seen = new Set<string>();
  private readonly answered = new Set<string>();
  private readonly claimed = new Map<string, Promise<void>>();
  private readonly calls = new Map<string, CustomToolUseEvent>();
  private readonly terminatedThreads = new Set<string>();
  private readonly messages: string[] = [];
  private readonly toolCalls: ToolCallRecord[] = [];
  private lastRetryingError: { type: string; message: string } | undefined;
  private readonly binding: CustomToolBinding;

  constructor(
    private readonly client: Anthropic,
    brain: Brain,
    private readonly options: ResolvedRunSessionOptions,
  ) {
    // Every request of the turn listens on this signal; a large batch of concurrent results is not a leak.
    setMaxListeners(0, this.controller.signal);
    this.binding = {
      brain,
      bankId: options.bankId,
      ...(options.context ? { context: options.context } : {}),
      ...(options.nonMemoryToolHandler ? { nonMemoryToolHandler: options.nonMemoryToolHandler } : {}),
    };
  }

  private get sessionId(): string {
    return this.options.sessionId;
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Runs the turn to its end and returns what it produced, or rejects with a SessionError. */
  async run(): Promise<SessionTurnResult> {
    const external = this.options.signal;
    if (external?.aborted) throw new SessionAbortedError(this.sessionId, external.reason);
    const timer = setTimeout(() => this.end({ kind: 'timeout' }), this.options.timeoutSeconds * 1000);
    const onAbort = () => this.end({ kind: 'aborted', reason: external?.reason });
    external?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.loop();
    } catch (error) {
      throw await this.failure(error);
    } finally {
      clearTimeout(timer);
      external?.removeEventListener('abort', onAbort);
      this.end({ kind: 'done' });
      this.stream?.controller.abort();
    }
  }

  private end(reason: EndReason): void {
    if (this.signal.aborted) return;
    this.endReason = reason;
    this.controller.abort(reason);
  }

  private checkOpen(): void {
    if (this.signal.aborted) throw new TurnEnded();
  }

  private async loop(): Promise<SessionTurnResult> {
    // The stream never replays: it must be attached before the message that starts the turn.
    this.stream = await this.connect();
    this.checkOpen();
    this.messageSent = true;
    const sent = await this.client.beta.sessions.events.send(
      this.sessionId,
      { events: [{ type: 'user.message', content: [{ type: 'text', text: this.options.prompt }] }] },
      { signal: this.signal },
    );
    this.userMessageId = sent.data?.[0]?.id;
    let attached = true;
    let backoff = RECONNECT_START_MS;
    for (;;) {
      try {
        if (!attached) {
          this.stream = await this.connect();
          attached = true;
          // The events emitted while detached are only in the history.
          const outcome = await this.reconcile();
          if (outcome) return outcome;
        }
        for await (const event of this.stream) {
          backoff = RECONNECT_START_MS;
          const outcome = await this.accept(event);
          if (outcome) return outcome;
        }
      } catch (error) {
        if (AstrocyteError.isInstance(error) || error instanceof TurnEnded) throw error;
        this.checkOpen();
        if (isPermanentClientError(error)) throw this.requestFailed(error);
      }
      this.checkOpen();
      // A stream that ends or throws (`TypeError: terminated`) before the turn is over was dropped.
      this.stream?.controller.abort();
      attached = false;
      this.reconnects += 1;
      // An end of the turn cuts the wait short; checkOpen then says why.
      await abortableSleep(backoff, this.signal).catch(() => undefined);
      this.checkOpen();
      backoff = Math.min(backoff * 2, RECONNECT_CAP_MS);
    }
  }

  private async connect(): Promise<EventStream> {
    this.checkOpen();
    return this.client.beta.sessions.events.stream(this.sessionId, {}, { signal: this.signal });
  }

  /** Handles one event once; returns the turn's result when the event ends it. */
  private async accept(event: SessionEvent): Promise<SessionTurnResult | null> {
    this.checkOpen();
    const id = (event as { id?: string }).id;
    if (id !== undefined) {
      if (this.seen.has(id)) return null;
      this.seen.add(id);
    }
    this.notify(event);
    switch (event.type) {
      case 'agent.message':
        this.messages.push(messageText(event) ?? '');
        return null;
      case 'agent.custom_tool_use':
        this.dispatch(event);
        return null;
      case 'user.custom_tool_result':
        this.answered.add(event.custom_tool_use_id);
        return null;
      case 'session.thread_status_terminated':
        this.terminatedThreads.add(event.session_thread_id);
        return null;
      case 'session.error': {
        const retryStatus = event.error.retry_status?.type ?? 'terminal';
        if (retryStatus === 'retrying') {
          this.lastRetryingError = { type: event.error.type, message: event.error.message };
          return null;
        }
        throw new SessionFailedError(this.sessionId, event.error.type, retryStatus, event.error.message);
      }
      case 'session.status_terminated':
        throw new SessionTerminatedError(this.sessionId);
      case 'session.deleted':
        throw new SessionDeletedError(this.sessionId);
      case 'session.status_idle':
        return this.onIdle(event.stop_reason);
      default:
        return null;
    }
  }

  private notify(event: SessionEvent): void {
    if (!this.options.onEvent) return;
    try {
      this.options.onEvent(event);
    } catch (error) {
      this.end({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
      throw new TurnEnded();
    }
  }

  private async onIdle(stopReason: { type: string; event_ids?: string[] } | null): Promise<SessionTurnResult | null> {
    const type = stopReason?.type ?? 'end_turn';
    if (type === 'requires_action') {
      await this.answerAll(stopReason?.event_ids ?? []);
      return null;
    }
    if (type === 'retries_exhausted') {
      const last = this.lastRetryingError;
      throw new SessionFailedError(
        this.sessionId,
        last?.type ?? 'retries_exhausted',
        'exhausted',
        last?.message ?? 'the platform gave up retrying the turn',
      );
    }
    await Promise.all(this.claimed.values());
    this.checkOpen();
    return {
      text: this.messages.join('\n\n'),
      messages: [...this.messages],
      stopReason: type,
      toolCalls: [...this.toolCalls],
      reconnects: this.reconnects,
    };
  }

  /** Makes sure every id the session waits on is being answered, fetching calls this runner never saw. */
  private async answerAll(eventIds: string[]): Promise<void> {
    const missing: string[] = [];
    for (const id of eventIds) {
      const call = this.calls.get(id);
      if (call) this.dispatch(call);
      else if (!this.answered.has(id) && !this.claimed.has(id)) missing.push(id);
    }
    if (missing.length === 0) return;
    // Ids this runner has no event for: built-in tool confirmations (not ours), or calls from before it attached.
    const wanted = new Set(missing);
    try {
      for await (const event of this.client.beta.sessions.events.list(
        this.sessionId,
        { order: 'desc', types: ['agent.custom_tool_use'] },
        { signal: this.signal },
      )) {
        if (event.type !== 'agent.custom_tool_use' || !wanted.has(event.id)) continue;
        wanted.delete(event.id);
        this.dispatch(event);
        if (wanted.size === 0) break;
      }
    } catch (error) {
      this.checkOpen();
      if (isPermanentClientError(error)) throw this.requestFailed(error);
      // Transient: the next idle names the ids again.
    }
  }

  /** Starts answering `call` unless it is already answered or under way; calls of one batch run concurrently. */
  private dispatch(call: CustomToolUseEvent): void {
    this.calls.set(call.id, call);
    if (this.answered.has(call.id) || this.claimed.has(call.id)) return;
    // A terminated sub-agent thread accepts no input; its open calls can never be answered.
    if (call.session_thread_id && this.terminatedThreads.has(call.session_thread_id)) return;
    this.claimed.set(call.id, this.answer(call));
  }

  private async answer(call: CustomToolUseEvent): Promise<void> {
    const outcome = await executeCustomTool(call, this.binding);
    let posted = false;
    if (!this.signal.aborted) {
      try {
        await sendToolResultOnce(this.client, this.sessionId, customToolResult(call, outcome.text, outcome.isError), {
          signal: this.signal,
          answered: this.answered,
        });
        posted = true;
      } catch (error) {
        if (!this.signal.aborted) {
          const failure = new SessionError(
            this.sessionId,
            'tool_result_failed',
            `could not send the result of ${call.name} (${call.id}): ${error instanceof Error ? error.message : String(error)}`,
            { code: 'session_tool_result_failed', cause: error },
          );
          this.end({ kind: 'failed', error: failure });
        }
      }
    }
    this.toolCalls.push({
      id: call.id,
      name: call.name,
      input: call.input ?? {},
      result: outcome.text,
      isError: outcome.isError,
      threadId: call.session_thread_id ?? null,
      posted,
    });
  }

  /** Replays the turn's history (events after its user message) through `accept`; ids dedupe it. */
  private async reconcile(): Promise<SessionTurnResult | null> {
    const newestFirst: SessionEvent[] = [];
    for await (const event of this.client.beta.sessions.events.list(
      this.sessionId,
      { order: 'desc' },
      { signal: this.signal },
    )) {
      // Without the message id (an empty send response), the newest user message is the turn's.
      if (this.userMessageId ? event.id === this.userMessageId : event.type === 'user.message') break;
      newestFirst.push(event);
    }
    const turn = newestFirst.reverse();
    // Results first, so a call whose answer appears later in the history is not run again.
    for (const event of turn) {
      if (event.type === 'user.custom_tool_result') this.answered.add(event.custom_tool_use_id);
    }
    for (const event of turn) {
      const outcome = await this.accept(event);
      if (outcome) return outcome;
    }
    return null;
  }

  private requestFailed(error: unknown): SessionError {
    const status = (error as { status?: number }).status;
    return new SessionError(
      this.sessionId,
      'request_failed',
      `the API refused a request${status ? ` (HTTP ${status})` : ''}: ${error instanceof Error ? error.message : String(error)}`,
      { code: 'session_request_failed', cause: error, details: { status } },
    );
  }

  /** The typed error for a turn that did not finish; interrupts the session when the runner gave up on it. */
  private async failure(error: unknown): Promise<Error> {
    const reason = this.endReason;
    if (reason && reason.kind !== 'done') {
      if (this.messageSent) await this.interrupt();
      if (reason.kind === 'timeout') return new SessionTimeoutError(this.sessionId, this.options.timeoutSeconds);
      if (reason.kind === 'aborted') return new SessionAbortedError(this.sessionId, reason.reason);
      return reason.error;
    }
    if (AstrocyteError.isInstance(error)) return error as Error;
    return this.requestFailed(error);
  }

  private async interrupt(): Promise<void> {
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(), INTERRUPT_BUDGET_MS);
    try {
      await this.client.beta.sessions.events.send(
        this.sessionId,
        { events: [{ type: 'user.interrupt' }] },
        { signal: budget.signal, maxRetries: 0 },
      );
    } catch {
      // Best effort: the turn is already lost, and the session may be gone.
    } finally {
      clearTimeout(timer);
    }
  }
}
