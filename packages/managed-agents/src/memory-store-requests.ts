import { APIConnectionError } from '@anthropic-ai/sdk';
import { abortableSleep, httpStatus } from '@astrocyte/core';

const ATTEMPTS = 5;
const BACKOFF_START_MS = 200;
const BACKOFF_CAP_MS = 5_000;

/**
 * Sends one write to a memory store with the SDK's retries off, which would repeat a 409 with the same stale
 * precondition: a 409 goes straight back to the caller, to re-read and decide. Other passing failures (connection,
 * 408, 429, 5xx) are retried here with backoff; every write of a push may be repeated safely, since a repeat of a
 * write that did land meets a precondition, a taken path or a missing memory, and the caller's re-read sees it done.
 */
export async function sendWrite<T>(send: (options: { maxRetries: 0 }) => PromiseLike<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send({ maxRetries: 0 });
    } catch (error) {
      const status = httpStatus(error);
      const passing =
        status === undefined ? error instanceof APIConnectionError : status === 408 || status === 429 || status >= 500;
      if (!passing || attempt >= ATTEMPTS) throw error;
      await abortableSleep(Math.min(BACKOFF_START_MS * 2 ** (attempt - 1), BACKOFF_CAP_MS));
    }
  }
}
