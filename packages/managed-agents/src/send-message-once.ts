import type Anthropic from '@anthropic-ai/sdk';
import { abortableSleep, isPermanentClientError } from '@astrocyte/core';

// One send and two more, as the SDK's own retries would make, the waits doubling from BACKOFF_START_MS.
const ATTEMPTS = 3;
const BACKOFF_START_MS = 500;
const UNKNOWN = Symbol('unknown');

/**
 * Sends the user message that starts a turn, once. SDK retries are off for it: a response lost after the platform
 * recorded the message (a 5xx, a dropped connection) would make a retry start the turn a second time, and the agent
 * would run it twice, its tool calls with effects included, the session's next turn then waiting behind the second
 * one's calls. So the session's newest user message is read before the send, and after a failure read again: a
 * newer one is this message, recorded. Resolves with its event id (undefined when the API gave none); rejects with
 * the API's error when it refuses the message for good, the attempts are spent, or `signal` aborts.
 */
export async function sendMessageOnce(
  client: Anthropic,
  sessionId: string,
  text: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const before = await newestUserMessage(client, sessionId, signal);
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if (attempt > 0) {
      await abortableSleep(BACKOFF_START_MS * 2 ** (attempt - 1), signal).catch(() => undefined);
      if (signal.aborted) throw lastError;
      // Without the message from before, nothing tells a recorded message apart: it is sent again, as the SDK would.
      const now = before === UNKNOWN ? before : await newestUserMessage(client, sessionId, signal);
      if (now !== UNKNOWN && now !== before) return now ?? undefined;
      // The history could not be read: ask it again rather than send blindly.
      if (now === UNKNOWN && before !== UNKNOWN) continue;
    }
    try {
      const sent = await client.beta.sessions.events.send(
        sessionId,
        { events: [{ type: 'user.message', content: [{ type: 'text', text }] }] },
        { signal, maxRetries: 0 },
      );
      return sent.data?.[0]?.id;
    } catch (error) {
      if (signal.aborted || isPermanentClientError(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

// The id of the session's newest user message: null when it has none, UNKNOWN when the history cannot be read.
async function newestUserMessage(
  client: Anthropic,
  sessionId: string,
  signal: AbortSignal,
): Promise<string | null | typeof UNKNOWN> {
  try {
    const page = await client.beta.sessions.events.list(
      sessionId,
      { order: 'desc', types: ['user.message'], limit: 1 },
      { signal, maxRetries: 0 },
    );
    return page.data[0]?.id ?? null;
  } catch {
    return UNKNOWN;
  }
}
