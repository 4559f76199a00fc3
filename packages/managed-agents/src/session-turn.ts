import { setMaxListeners } from 'node:events';
import type Anthropic from '@anthropic-ai/sdk';
import {
  AstrocyteError,
  type Brain,
  type ConversationTurn,
  type RetainResult,
  withFieldRenamed,
} from '@astrocyte/core';
import { sendMessageOnce } from './send-message-once.js';
import {
  SessionAbortedError,
  SessionDeletedError,
  SessionError,
  SessionFailedError,
  SessionTerminatedError,
  SessionTimeoutError,
  ToolConfirmationRequiredError,
} from './session-errors.js';
import { messageText, type SessionEvent, type SessionStopDetails } from './session-events.js';
import { SessionFeed } from './session-feed.js';
import type { ResolvedRunSessionOptions } from './session-options.js';
import { retainTranscript, TRANSCRIPT_SPEAKERS, TurnTranscript } from './session-transcript.js';
import {
  type LedgerOutcome,
  ToolCallLedger,
  type ToolCallRecord,
  type ToolConfirmationRecord,
  type UnansweredCall,
} from './tool-call-ledger.js';

/** Everything one turn produced. */
export interface SessionTurnResult {
  /** The agent's messages joined by blank lines. */
  text: string;
  messages: string[];
  /** Why the session went idle: `end_turn`, `refusal`, `budget_reached`, ... */
  stopReason: string;
  /** The idle's `stop_details`: for a refusal, its `category` and `explanation`; null when there is nothing more. */
  stopDetails: SessionStopDetails;
  /** The custom tool calls this runner answered. */
  toolCalls: ToolCallRecord[];
  /** The tool calls `onToolConfirmation` allowed or denied. */
  confirmations: ToolConfirmationRecord[];
  /** Calls left for another client (`answerUnownedTools: 'leave'`). */
  leftCalls: UnansweredCall[];
  /** Calls of a sub-agent thread that terminated before they were answered; the platform accepts no answer. */
  droppedCalls: UnansweredCall[];
  /** What `retainTranscript` stored (one result per conversation turn), or null when the turn was not retained. */
  transcript: RetainResult[] | null;
  /**
   * Why `retainTranscript` could not store the turn (the brain's error: access denied, a quota, the prompt or the
   * reply over the content limit), or null. The turn itself finished: its answer and tool calls are all here.
   */
  transcriptError: Error | null;
  /** How many times the runner reattached after a dropped stream. */
  reconnects: number;
}

type EndReason =
  | { kind: 'timeout' }
  | { kind: 'aborted'; reason: unknown }
  | { kind: 'failed'; error: Error }
  | { kind: 'done' };

// The interrupt is best effort and must not push the rejection past the time-out by more than a second.
const INTERRUPT_BUDGET_MS = 800;

/** A thrown marker that unwinds the loop when the turn controller aborted; run() turns it into the typed error. */
class TurnEnded extends Error {}

/**
 * One turn of a Managed Agents session, the loop behind `runSessionWithMemory` (DESIGN §4): the session's events
 * come from a SessionFeed (attach, reconnect, replay, dedupe) and its tool calls go through a ToolCallLedger
 * (claim, run, post exactly once), the same two parts `astrocyte attach` uses.
 */
export class SessionTurn {
  private readonly controller = new AbortController();
  private endReason: EndReason | undefined;
  private userMessageId: string | undefined;
  private messageSent = false;
  private readonly messages: string[] = [];
  private readonly transcript = new TurnTranscript(false);
  private lastRetryingError: { type: string; message: string } | undefined;
  private readonly feed: SessionFeed;
  private readonly ledger: ToolCallLedger;

  constructor(
    private readonly client: Anthropic,
    private readonly brain: Brain,
    private readonly options: ResolvedRunSessionOptions,
  ) {
    // Every request of the turn listens on this signal; a large batch of concurrent results is not a leak.
    setMaxListeners(0, this.controller.signal);
    const {
      sessionId,
      bankId,
      context,
      includeReflect,
      includeForget,
      nonMemoryToolHandler,
      handlerTools,
      onToolConfirmation,
    } = options;
    this.ledger = new ToolCallLedger({
      client,
      sessionId,
      signal: this.signal,
      binding: {
        brain,
        bankId,
        ...(context ? { context } : {}),
        ...(includeReflect === undefined ? {} : { includeReflect }),
        ...(includeForget === undefined ? {} : { includeForget }),
        ...(nonMemoryToolHandler ? { nonMemoryToolHandler } : {}),
      },
      ...(handlerTools ? { handlerTools: new Set(handlerTools) } : {}),
      answerUnownedTools: options.answerUnownedTools,
      ...(onToolConfirmation ? { onToolConfirmation } : {}),
      onOutcome: (outcome) => this.onOutcome(outcome),
    });
    this.feed = new SessionFeed(client, sessionId, {
      signal: this.signal,
      // After a reconnect, the turn's history: the events after its user message (without the message id, from an
      // empty send response, the newest user message is the turn's).
      historyStart: (event) =>
        this.userMessageId ? (event as { id?: string }).id === this.userMessageId : event.type === 'user.message',
      onHistory: (events) => this.ledger.noteHistory(events),
    });
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
      this.feed.close();
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

  /**
   * `work`, or TurnEnded once the turn ends first (its time-out, the caller's abort, a failure): a tool handler that
   * never returns would otherwise hold the turn past both, as the feed, parked here, reads no more events.
   */
  private whileOpen<T>(work: Promise<T>): Promise<T> {
    this.checkOpen();
    return new Promise<T>((resolve, reject) => {
      const ended = () => reject(new TurnEnded());
      this.signal.addEventListener('abort', ended, { once: true });
      work.then(resolve, reject).finally(() => this.signal.removeEventListener('abort', ended));
    });
  }

  private async loop(): Promise<SessionTurnResult> {
    // The stream never replays: it must be attached before the message that starts the turn.
    await this.feed.open();
    this.checkOpen();
    this.messageSent = true;
    this.userMessageId = await sendMessageOnce(this.client, this.sessionId, this.options.prompt, this.signal);
    this.transcript.addUser(this.options.prompt);
    return this.feed.follow(({ event }) => this.acceptReadable(event));
  }

  /**
   * `accept`, after checking the fields it reads: an event the platform sent without them (a `session.error` without
   * its error, say) is its malformed event, where read unchecked it failed as "the API refused a request".
   */
  private acceptReadable(event: SessionEvent): Promise<SessionTurnResult | null> {
    const field = unreadableField(event);
    if (field === null) return this.accept(event);
    throw new SessionError(
      this.sessionId,
      'malformed_event',
      `the platform sent a ${event.type} event whose ${field} the runner cannot read`,
      { details: { eventType: event.type, field } },
    );
  }

  /** Handles one distinct event; returns the turn's result when the event ends it. */
  private async accept(event: SessionEvent): Promise<SessionTurnResult | null> {
    this.checkOpen();
    this.notify(event);
    this.ledger.observe(event);
    this.transcript.accept(event);
    switch (event.type) {
      case 'agent.message':
        this.messages.push(messageText(event) ?? '');
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
      case 'session.thread_status_idle':
        // A sub-agent waiting on a confirmation idles only its thread.
        if (event.stop_reason?.type === 'requires_action') await this.checkConfirmations(event.stop_reason.event_ids);
        return null;
      case 'session.status_idle':
        return this.onIdle(event.stop_reason, event.stop_details ?? null);
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

  private async onIdle(
    stopReason: { type: string; event_ids?: string[] } | null,
    stopDetails: SessionStopDetails,
  ): Promise<SessionTurnResult | null> {
    const type = stopReason?.type ?? 'end_turn';
    if (type === 'requires_action') {
      const ids = stopReason?.event_ids ?? [];
      await this.ledger.answerNamed(ids);
      await this.checkConfirmations(ids);
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
    await this.whileOpen(this.ledger.whenSettled());
    this.checkOpen();
    const turns = this.options.retainTranscript && type === 'end_turn' ? this.transcript.take() : null;
    const { toolCalls, confirmations, leftCalls, droppedCalls } = this.ledger;
    return {
      text: this.messages.join('\n\n'),
      messages: [...this.messages],
      stopReason: type,
      stopDetails,
      toolCalls: [...toolCalls],
      confirmations: [...confirmations],
      leftCalls: [...leftCalls],
      droppedCalls: [...droppedCalls],
      ...(turns ? await this.retain(turns) : { transcript: null, transcriptError: null }),
      reconnects: this.feed.reconnects,
    };
  }

  /**
   * Stores the turn's conversation. The session has finished the turn by now, so a brain that refuses it must not
   * cost the caller the answer: the error is returned beside it, its field named as the caller knows it.
   */
  private async retain(turns: ConversationTurn[]): Promise<Pick<SessionTurnResult, 'transcript' | 'transcriptError'>> {
    try {
      const transcript = await retainTranscript(this.brain, turns, {
        bankId: this.options.bankId,
        sessionId: this.sessionId,
        ...(this.options.context ? { context: this.options.context } : {}),
      });
      return { transcript, transcriptError: null };
    } catch (error) {
      const renamed = withFieldRenamed(error, (field) => {
        const index = /^turns\[(\d+)\]\.text$/.exec(field)?.[1];
        if (index === undefined) return field;
        return turns[Number(index)]?.speaker === TRANSCRIPT_SPEAKERS.user ? 'prompt' : 'text';
      });
      return { transcript: null, transcriptError: renamed instanceof Error ? renamed : new Error(String(renamed)) };
    }
  }

  /**
   * Ends the turn, leaving the session idle, when the ids include a call that waits for a confirmation nobody here
   * gives: the session would otherwise wait until the time-out. The turn's other calls are answered first.
   */
  private async checkConfirmations(eventIds: string[]): Promise<void> {
    const waiting = this.ledger.unconfirmed(eventIds);
    if (waiting.length === 0) return;
    await this.whileOpen(this.ledger.whenSettled());
    this.checkOpen();
    throw new ToolConfirmationRequiredError(this.sessionId, waiting);
  }

  private onOutcome(outcome: LedgerOutcome): void {
    if (outcome.kind !== 'failed') return;
    const { event, error } = outcome;
    const what = event.type === 'agent.custom_tool_use' ? 'the result' : 'the confirmation';
    this.end({
      kind: 'failed',
      error: new SessionError(
        this.sessionId,
        'tool_result_failed',
        `could not send ${what} of ${event.name} (${event.id}): ${error instanceof Error ? error.message : String(error)}`,
        { code: 'session_tool_result_failed', cause: error },
      ),
    });
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

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

// The field of an event the runner reads that is missing or of another shape than the API documents, or null.
function unreadableField(event: SessionEvent): string | null {
  const fields = event as unknown as Record<string, unknown>;
  switch (event.type) {
    case 'session.error':
      return isObject(fields.error) ? null : 'error';
    case 'agent.message':
      return Array.isArray(fields.content) ? null : 'content';
    case 'agent.custom_tool_use':
      return typeof fields.id === 'string' && typeof fields.name === 'string' ? null : 'id or name';
    case 'session.status_idle':
    case 'session.thread_status_idle': {
      const stop = fields.stop_reason;
      if (stop === null || stop === undefined) return null;
      if (!isObject(stop)) return 'stop_reason';
      return stop.type === 'requires_action' && !Array.isArray(stop.event_ids) ? 'stop_reason.event_ids' : null;
    }
    default:
      return null;
  }
}
