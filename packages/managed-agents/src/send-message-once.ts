import type Anthropic from '@anthropic-ai/sdk';
import { abortableSleep, isPermanentClientError } from '@astrocyte/core';
import { sendBackoffMs } from './send-answer-once.js';

const UNKNOWN = Symbol('unknown');

/**
 * Sends the user message that starts a turn, once. SDK retries are off for it: a response lost after the platform
 * recorded the message (a 5xx, a dropped connection) would make a retry start the turn a second time, and the agent
 * would run it twice, its tool calls with effects included, the session's next turn then waiting behind the second
 * one's calls. So the session's newest user message is read before the send, and after each failure read again: a
 * newer one is this message, recorded; otherwise it is sent again, with backoff (0.2 s doubling to 5 s), until
 * `signal` aborts (the turn's time-out), as tool results are. Resolves with the message's event id (undefined when
 * the API gave none); rejects with the API's error when it refuses the message for good, or when a send failed and
 * the history could not be read before it (a blind resend could start the turn twice).
 */
export async function sendMessageOnce(
  client: Anthropic,
  sessionId: string,
  text: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const before = await newestUserMessage(client, sessionId, signal);
  let mustSend = true;
  let lastError: unknown;
  for (let attempt = 0; ; attempt += 1) {
    if (mustSend) {
      try {
        const sent = await client.beta.sessions.events.send(
          sessionId,
          { events: [{ type: 'user.message', content: [{ type: 'text', text }] }] },
          { signal, maxRetries: 0 },
        );
        return sent.data?.[0]?.id;
      } catch (error) {
        if (signal.aborted || isPermanentClientError(error) || before === UNKNOWN) throw error;
        lastError = error;
      }
    }
    const now = await newestUserMessage(client, sessionId, signal);
    if (now !== UNKNOWN && now !== before) return now ?? undefined;
    // When the history could not be read, ask it again before sending again.
    mustSend = now !== UNKNOWN;
    await abortableSleep(sendBackoffMs(attempt), signal).catch(() => undefined);
    if (signal.aborted) throw lastError;
  }
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
