import { abortableSleep } from '../abortable-sleep.js';
import { AstrocyteError } from '../errors.js';
import { failureToError, type ProviderFailure } from './provider-failure.js';

/** How a provider request is retried. The SDKs' own retries are switched off so this is the only policy. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** First backoff when the server gives no retry-after; doubles on each retry. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A retry-after longer than this is not waited for: the call fails at once and the error says how long to wait. */
  maxRetryAfterMs?: number;
  /** Injectable so tests can check the waits without waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** The defaults: 3 retries, 0.5 s doubling to 8 s with jitter, a retry-after of up to 60 s honoured. */
export const DEFAULT_RETRY_POLICY: Required<Omit<RetryPolicy, 'sleep' | 'random'>> = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/** What withRetries needs to know besides the call itself. */
export interface RetryContext {
  provider: string;
  /** Named in errors: "embeddings request". */
  operation: string;
  classify: (error: unknown) => ProviderFailure;
  policy: RetryPolicy;
  signal?: AbortSignal;
}

/**
 * Runs `call`, retrying 429, 5xx, timeouts and connection failures with exponential backoff that honours the
 * server's retry-after. Throws ProviderAuthError for 401/403 at once, ProviderError when retries are spent or the
 * failure is not retryable. An AstrocyteError thrown by `call` itself (a response that failed validation) passes
 * through unretried.
 */
export async function withRetries<T>(call: (attempt: number) => Promise<T>, context: RetryContext): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...context.policy };
  const sleep = context.policy.sleep ?? abortableSleep;
  const random = context.policy.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (AstrocyteError.isInstance(error)) throw error;
      const failure = context.classify(error);
      const attempts = attempt + 1;
      if (!failure.retryable || attempt >= policy.maxRetries || context.signal?.aborted) {
        throw failureToError(context.provider, context.operation, failure, attempts);
      }
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
        const wait = Math.ceil(failure.retryAfterMs / 1000);
        throw failureToError(
          context.provider,
          context.operation,
          {
            ...failure,
            message: `${failure.message}; the server asked to retry after ${wait} s, longer than this client waits`,
          },
          attempts,
        );
      }
      // An abort ends the wait early; the next attempt then fails fast with the SDK's abort error.
      await sleep(failure.retryAfterMs ?? backoffDelay(attempt, policy, random), context.signal).catch(() => undefined);
    }
  }
}

/** Exponential backoff with up to 25% jitter, so that many clients rate-limited together do not return together. */
export function backoffDelay(
  attempt: number,
  policy: { baseDelayMs: number; maxDelayMs: number },
  random = Math.random,
): number {
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(delay * (1 - random() * 0.25));
}
