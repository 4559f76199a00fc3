import type Anthropic from '@anthropic-ai/sdk';
import { abortableSleep, isPermanentClientError } from '@astrocyte/core';
import type { CustomToolResultParams } from './session-events.js';

const ATTEMPTS = 6;
const BACKOFF_START_MS = 100;

/** What the sender shares with the turn: its abort signal, and the ids whose results the session already holds. */
export interface SendOnceState {
  signal: AbortSignal;
  answered: Set<string>;
}

/**
 * Sends one custom tool result exactly once, and adds its call id to `answered` once the session holds it. SDK
 * retries are off for the request: a response lost after the server recorded the result would make a retry answer
 * the call twice, so after a failure the session's history decides whether to send again.
 */
export async function sendToolResultOnce(
  client: Anthropic,
  sessionId: string,
  result: CustomToolResultParams,
  state: SendOnceState,
): Promise<void> {
  const { signal, answered } = state;
  const id = result.custom_tool_use_id;
  let mustSend = true;
  let lastError: unknown;
  for (let attempt = 1; ; attempt += 1) {
    if (answered.has(id)) return;
    if (mustSend) {
      try {
        await client.beta.sessions.events.send(sessionId, { events: [result] }, { signal, maxRetries: 0 });
        answered.add(id);
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = error;
      }
    }
    const recorded = answered.has(id) || (await resultRecorded(client, sessionId, id, signal));
    if (recorded === true) {
      answered.add(id);
      return;
    }
    if (recorded === false && isPermanentClientError(lastError)) throw lastError;
    if (attempt >= ATTEMPTS) throw lastError;
    // When the history could not be read, ask it again before sending again.
    mustSend = recorded === false;
    await abortableSleep(BACKOFF_START_MS * 2 ** (attempt - 1), signal).catch(() => undefined);
    if (signal.aborted) throw lastError;
  }
}

// Whether the session's history holds a result for `toolUseId`; 'unknown' when it cannot be read.
async function resultRecorded(
  client: Anthropic,
  sessionId: string,
  toolUseId: string,
  signal: AbortSignal,
): Promise<boolean | 'unknown'> {
  try {
    for await (const event of client.beta.sessions.events.list(
      sessionId,
      { order: 'desc', types: ['user.custom_tool_result'] },
      { signal, maxRetries: 0 },
    )) {
      if (event.type === 'user.custom_tool_result' && event.custom_tool_use_id === toolUseId) return true;
    }
    return false;
  } catch {
    return 'unknown';
  }
}
