import type Anthropic from '@anthropic-ai/sdk';
import type { AstrocyteContext, Brain, ConversationTurn, RetainResult } from '@astrocyte/core';
import {
  type CustomToolUseEvent,
  type FeedItem,
  retainTranscript,
  SessionFeed,
  type ToolCallEvent,
  ToolCallLedger,
  TurnTranscript,
} from '@astrocyte/managed-agents';

/** How `attachToSession` is bound and what it reports. */
export interface AttachOptions {
  sessionId: string;
  /** The bank every memory tool call reads and writes. */
  bankId: string;
  /** Stops attaching; the promise then resolves with `ended: 'stopped'`. */
  signal?: AbortSignal;
  context?: AstrocyteContext;
  /**
   * Retain each turn that ends (`end_turn`) after attaching: its `user.message` and `agent.message` events, with
   * `retainConversation` (speakers `user` and `agent`, episode = the session id).
   */
  retainTranscript?: boolean;
  /** Answer `memory_forget` too; off by default, as `memoryToolDefinitions()` leaves it out (a call is then refused). */
  includeForget?: boolean;
  /** Sees each memory tool call once it is answered. */
  onAnswer?: (call: CustomToolUseEvent, result: { text: string; isError: boolean }) => void;
  /** Sees calls left for someone else: custom tools that are not memory tools, and tool confirmations. */
  onForeignTool?: (call: ToolCallEvent) => void;
  /** Sees a result that could not be sent (the session may have stopped waiting for it). */
  onSendFailed?: (call: ToolCallEvent, error: unknown) => void;
  /** Sees each turn's transcript once it is retained (one result per conversation turn). */
  onTranscript?: (results: RetainResult[]) => void;
  /** Sees a turn's transcript that could not be retained (the brain failed); attaching goes on. */
  onTranscriptFailed?: (error: unknown) => void;
  /** Called each time the stream is open and the history read: from then on no call can be missed. */
  onAttached?: () => void;
  /** Sees the stream being reattached after a drop. */
  onReconnect?: (attempt: number) => void;
}

/** Why attaching ended and how many calls it answered. */
export interface AttachResult {
  ended: 'terminated' | 'deleted' | 'stopped';
  answered: number;
}

// About half a minute of failed attempts in a row: the API is unreachable, not merely dropping a stream.
const MAX_FAILED_ATTEMPTS = 20;
// As long as the SDK's own session runner keeps a result send going through an outage.
const SEND_RETRY_MS = 5 * 60_000;

/**
 * Answers the memory tool calls of an existing Managed Agents session until it is terminated or deleted, or
 * `signal` aborts: memory for an agent whose own loop has no memory code. It sends no messages and leaves every
 * other custom tool, and every tool confirmation, to whoever else listens. It runs on the same session core as
 * `runSessionWithMemory` (SessionFeed, ToolCallLedger): each call is answered exactly once, across reconnects and
 * lost responses, including calls made before it attached (read from the session's history).
 */
export async function attachToSession(client: Anthropic, brain: Brain, options: AttachOptions): Promise<AttachResult> {
  const { sessionId } = options;
  const stop = new AbortController();
  const onStop = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) onStop();
  options.signal?.addEventListener('abort', onStop, { once: true });
  const context = options.context ?? { actor: `managed-agents:${sessionId}` };
  let answered = 0;
  const ledger = new ToolCallLedger({
    client,
    sessionId,
    signal: stop.signal,
    binding: { brain, bankId: options.bankId, context, includeForget: options.includeForget === true },
    answerUnownedTools: 'leave',
    sendRetryForMs: SEND_RETRY_MS,
    onOutcome: (outcome) => {
      if (outcome.kind === 'answered') {
        answered += 1;
        options.onAnswer?.(outcome.event, { text: outcome.record.result, isError: outcome.record.isError });
      } else if (outcome.kind === 'left') options.onForeignTool?.(outcome.event);
      else if (outcome.kind === 'failed') options.onSendFailed?.(outcome.event, outcome.error);
    },
  });
  const transcript = options.retainTranscript ? new TurnTranscript(true) : undefined;
  const feed = new SessionFeed(client, sessionId, {
    signal: stop.signal,
    replayBacklog: true,
    onHistory: (events) => ledger.noteHistory(events),
    ...(options.onAttached ? { onAttached: options.onAttached } : {}),
    ...(options.onReconnect ? { onReconnect: options.onReconnect } : {}),
    maxFailedAttempts: MAX_FAILED_ATTEMPTS,
  });

  const accept = async ({ event, origin }: FeedItem): Promise<AttachResult['ended'] | null> => {
    ledger.observe(event);
    transcript?.accept(event);
    if (event.type === 'session.status_terminated') return 'terminated';
    if (event.type === 'session.deleted') return 'deleted';
    if (transcript && event.type === 'session.status_idle' && event.stop_reason.type !== 'requires_action') {
      const turns = transcript.take();
      // A turn that ended before attach started is not retained: whoever ran it then decided about it.
      if (turns && origin !== 'backlog' && event.stop_reason.type === 'end_turn') await retain(turns);
    }
    return null;
  };

  const retain = async (turns: ConversationTurn[]): Promise<void> => {
    // The turn's calls are answered by now, but their sends may still wait for a response: report those first.
    await ledger.whenSettled();
    try {
      options.onTranscript?.(await retainTranscript(brain, turns, { bankId: options.bankId, sessionId, context }));
    } catch (error) {
      // The session goes on: a turn memory could not take is reported, not fatal.
      options.onTranscriptFailed?.(error);
    }
  };

  try {
    const ended = await feed.follow(accept);
    await ledger.whenSettled();
    return { ended, answered };
  } catch (error) {
    await ledger.whenSettled();
    if (stop.signal.aborted) return { ended: 'stopped', answered };
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onStop);
    feed.close();
  }
}
