import type Anthropic from '@anthropic-ai/sdk';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { abortableSleep, isPermanentClientError } from '@astrocyte/core';
import type { SessionEvent } from './session-events.js';

/**
 * Where an event came from: the live stream, the history read after a reconnect (emitted while detached), or the
 * history read when the feed first attached (emitted before it).
 */
export type FeedOrigin = 'live' | 'history' | 'backlog';

/** One distinct event of the session. */
export interface FeedItem {
  event: SessionEvent;
  origin: FeedOrigin;
}

/** How a feed attaches, replays and gives up. */
export interface SessionFeedOptions {
  /** Ends the feed: `follow` then rejects with the signal's reason. */
  signal: AbortSignal;
  /** Also read the history on the first attach, for a client that joins a session already under way. */
  replayBacklog?: boolean;
  /**
   * The oldest event a history read needs: the read goes back from the newest event and stops before the first
   * match. Without it every read is the whole history.
   */
  historyStart?: (event: SessionEvent) => boolean;
  /** Every event of a history read, before any is handed out: answers found later in it are then known first. */
  onHistory?: (events: SessionEvent[]) => void;
  /** Called each time the stream is open and the history read: from then on no event can be missed. */
  onAttached?: () => void;
  /** Sees each reattach after a dropped stream. */
  onReconnect?: (attempt: number) => void;
  /** Rejects with the last error after this many failed attaches in a row; without it only `signal` stops it. */
  maxFailedAttempts?: number;
}

type EventStream = Stream<BetaManagedAgentsStreamSessionEvents>;

const RECONNECT_START_MS = 100;
const RECONNECT_CAP_MS = 2_000;

/**
 * The events of one session, each once, in order, across dropped connections. The stream never replays, so the
 * feed attaches first and reads the history after: nothing emitted in between is missed, and event ids dedupe
 * what both carry. A stream that ends or throws (`TypeError: terminated`) is reattached with backoff.
 */
export class SessionFeed {
  private stream: EventStream | undefined;
  private readonly seen = new Set<string>();
  private attaches = 0;
  /** How many times the feed reattached after a dropped stream. */
  reconnects = 0;

  constructor(
    private readonly client: Anthropic,
    private readonly sessionId: string,
    private readonly options: SessionFeedOptions,
  ) {}

  /** Attaches the stream now (before sending what starts a turn); a refused request rejects. */
  async open(): Promise<void> {
    this.stream ??= await this.client.beta.sessions.events.stream(this.sessionId, {}, { signal: this.options.signal });
  }

  /** Closes the stream. */
  close(): void {
    this.stream?.controller.abort();
    this.stream = undefined;
  }

  /**
   * Hands each distinct event to `handle` until it returns something other than null, and resolves with that.
   * Rejects with the signal's reason when the signal aborts, with the API's error when it refuses a request for
   * good (a 4xx other than 408, 409 and 429), and with whatever `handle` throws.
   */
  async follow<T>(handle: (item: FeedItem) => Promise<T | null> | T | null): Promise<T> {
    const { signal } = this.options;
    let failures = 0;
    for (;;) {
      try {
        await this.open();
        const origin = this.attaches === 0 ? 'backlog' : 'history';
        const replay = origin === 'history' || this.options.replayBacklog ? await this.readHistory() : [];
        this.attaches += 1;
        failures = 0;
        this.options.onAttached?.();
        for (const event of replay) {
          const outcome = this.isNew(event) ? await deliver(handle, { event, origin }) : null;
          if (outcome !== null) return outcome;
        }
        for await (const event of this.stream as EventStream) {
          const outcome = this.isNew(event) ? await deliver(handle, { event, origin: 'live' }) : null;
          if (outcome !== null) return outcome;
        }
      } catch (error) {
        if (error instanceof HandlerFailed) throw error.failure;
        if (signal.aborted) throw signal.reason;
        if (isPermanentClientError(error)) throw error;
        failures += 1;
        if (failures >= (this.options.maxFailedAttempts ?? Number.POSITIVE_INFINITY)) throw error;
      } finally {
        this.close();
      }
      if (signal.aborted) throw signal.reason;
      this.reconnects += 1;
      this.options.onReconnect?.(this.reconnects);
      // An abort cuts the wait short; the check above then ends the feed on the next pass.
      const backoff = Math.min(RECONNECT_START_MS * 2 ** failures, RECONNECT_CAP_MS);
      await abortableSleep(backoff, signal).catch(() => undefined);
      if (signal.aborted) throw signal.reason;
    }
  }

  private isNew(event: SessionEvent): boolean {
    const id = (event as { id?: string }).id;
    if (id === undefined) return true;
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }

  private async readHistory(): Promise<SessionEvent[]> {
    const { historyStart, signal } = this.options;
    const events: SessionEvent[] = [];
    if (historyStart) {
      for await (const event of this.client.beta.sessions.events.list(this.sessionId, { order: 'desc' }, { signal })) {
        if (historyStart(event)) break;
        events.push(event);
      }
      events.reverse();
    } else {
      for await (const event of this.client.beta.sessions.events.list(this.sessionId, { order: 'asc' }, { signal })) {
        events.push(event);
      }
    }
    this.options.onHistory?.(events);
    return events;
  }
}

/** Carries what the handler threw past the reconnect logic, which is for the feed's own requests. */
class HandlerFailed extends Error {
  constructor(readonly failure: unknown) {
    super('the event handler failed');
  }
}

async function deliver<T>(handle: (item: FeedItem) => Promise<T | null> | T | null, item: FeedItem): Promise<T | null> {
  try {
    return await handle(item);
  } catch (error) {
    throw new HandlerFailed(error);
  }
}
