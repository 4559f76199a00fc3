import type Anthropic from '@anthropic-ai/sdk';
import { abortableSleep, isPermanentClientError } from '@astrocyte/core';
import type { CustomToolResultParams, ToolConfirmationParams } from './session-events.js';

/** What answers a tool call: a custom tool's result, or the verdict on a call that waits for permission. */
export type ToolAnswer = CustomToolResultParams | ToolConfirmationParams;

const BACKOFF_START_MS = 200;
const BACKOFF_CAP_MS = 5_000;

/** The wait before the next send after `attempt` failed ones: 0.2 s doubling to 5 s, for answers and messages alike. */
export function sendBackoffMs(attempt: number): number {
  return Math.min(BACKOFF_START_MS * 2 ** attempt, BACKOFF_CAP_MS);
}

/** When the sender gives up, and what it knows from elsewhere. */
export interface SendOnceOptions {
  /** Retries stop when it aborts (the turn's time-out, the caller's stop). */
  signal: AbortSignal;
  /** Whether the session already holds an answer to this id (results seen on the stream). */
  isAnswered: (toolUseId: string) => boolean;
  /** Gives up after this long; without it only `signal` ends the retries. */
  retryForMs?: number;
}

/** The tool-use id an answer answers. */
export function answeredId(answer: ToolAnswer): string {
  return answer.type === 'user.custom_tool_result' ? answer.custom_tool_use_id : answer.tool_use_id;
}

/**
 * Sends one answer exactly once, retrying with backoff through an outage. SDK retries are off for the request: a
 * response lost after the server recorded the answer would make a retry answer the call twice, so after a failure
 * the session's history decides whether to send again. Resolves once the session holds the answer; rejects with
 * the last error when the API refuses it for good, `retryForMs` passed, or `signal` aborted.
 */
export async function sendAnswerOnce(
  client: Anthropic,
  sessionId: string,
  answer: ToolAnswer,
  options: SendOnceOptions,
): Promise<void> {
  const { signal, isAnswered } = options;
  const id = answeredId(answer);
  const deadline = options.retryForMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.retryForMs;
  let mustSend = true;
  let lastError: unknown;
  for (let attempt = 0; ; attempt += 1) {
    if (isAnswered(id)) return;
    if (mustSend) {
      try {
        await client.beta.sessions.events.send(sessionId, { events: [answer] }, { signal, maxRetries: 0 });
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = error;
      }
    }
    const recorded = isAnswered(id) || (await answerRecorded(client, sessionId, answer, signal));
    if (recorded === true) return;
    if (recorded === false && isPermanentClientError(lastError)) throw lastError;
    const wait = sendBackoffMs(attempt);
    if (Date.now() + wait > deadline) throw lastError;
    // When the history could not be read, ask it again before sending again.
    mustSend = recorded === false;
    await abortableSleep(wait, signal).catch(() => undefined);
    if (signal.aborted) throw lastError;
  }
}

// Whether the session's history holds an answer to the same call; 'unknown' when it cannot be read.
async function answerRecorded(
  client: Anthropic,
  sessionId: string,
  answer: ToolAnswer,
  signal: AbortSignal,
): Promise<boolean | 'unknown'> {
  const id = answeredId(answer);
  try {
    for await (const event of client.beta.sessions.events.list(
      sessionId,
      { order: 'desc', types: [answer.type] },
      { signal, maxRetries: 0 },
    )) {
      if (event.type === 'user.custom_tool_result' && event.custom_tool_use_id === id) return true;
      if (event.type === 'user.tool_confirmation' && event.tool_use_id === id) return true;
    }
    return false;
  } catch {
    return 'unknown';
  }
}
