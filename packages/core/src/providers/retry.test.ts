import { describe, expect, it } from 'vitest';
import { ConfigError, ProviderAuthError, ProviderError, ValidationError } from '../errors.js';
import type { ProviderFailure } from './provider-failure.js';
import { backoffDelay, withRetries } from './retry.js';

// Failures are plain objects here: this tests the policy; the SDK mapping is tested against the local servers.
function failing(failures: ProviderFailure[], result = 'ok') {
  let calls = 0;
  return {
    call: async () => {
      const failure = failures[calls++];
      if (failure) throw failure;
      return result;
    },
    get calls() {
      return calls;
    },
  };
}

function context(waits: number[], maxRetries = 3) {
  return {
    provider: 'test',
    operation: 'test request',
    classify: (error: unknown) => error as ProviderFailure,
    policy: { maxRetries, sleep: async (ms: number) => void waits.push(ms), random: () => 0 },
  };
}

const rateLimited = (retryAfterMs?: number): ProviderFailure => ({
  kind: 'rate_limited',
  retryable: true,
  status: 429,
  message: 'HTTP 429',
  ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
});

describe('withRetries', () => {
  it('waits what retry-after says, then succeeds', async () => {
    const waits: number[] = [];
    const run = failing([rateLimited(2000), rateLimited(0)]);
    await expect(withRetries(run.call, context(waits))).resolves.toBe('ok');
    expect(waits).toEqual([2000, 0]);
    expect(run.calls).toBe(3);
  });

  it('backs off exponentially without retry-after, and stops after maxRetries', async () => {
    const waits: number[] = [];
    const server: ProviderFailure = { kind: 'server_error', retryable: true, status: 502, message: 'HTTP 502' };
    const error = await withRetries(failing([server, server, server, server, server]).call, context(waits, 3)).catch(
      (e: unknown) => e,
    );
    expect(waits).toEqual([500, 1000, 2000]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toBe('test: test request failed after 4 attempts: HTTP 502');
    expect((error as ProviderError).details).toMatchObject({ kind: 'server_error', status: 502, attempts: 4 });
  });

  it('caps the backoff and applies jitter downwards only', () => {
    const policy = { baseDelayMs: 500, maxDelayMs: 8000 };
    expect(backoffDelay(10, policy, () => 0)).toBe(8000);
    expect(backoffDelay(1, policy, () => 1)).toBe(750);
  });

  it('does not retry auth failures or non-retryable ones', async () => {
    const waits: number[] = [];
    const auth = await withRetries(
      failing([{ kind: 'auth', retryable: false, status: 403, message: 'x' }]).call,
      context(waits),
    ).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(ProviderAuthError);
    expect(auth).toBeInstanceOf(ConfigError);
    const rejected = failing([{ kind: 'rejected', retryable: false, status: 400, message: 'HTTP 400 bad' }]);
    await expect(withRetries(rejected.call, context(waits))).rejects.toThrow('test request failed: HTTP 400 bad');
    expect(rejected.calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('passes an Astrocyte error thrown by the call through unretried', async () => {
    let calls = 0;
    const call = async () => {
      calls++;
      throw new ValidationError('x', 'bad');
    };
    await expect(withRetries(call, context([]))).rejects.toBeInstanceOf(ValidationError);
    expect(calls).toBe(1);
  });

  it('stops retrying once the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = failing([rateLimited(0), rateLimited(0)]);
    await expect(withRetries(run.call, { ...context([]), signal: controller.signal })).rejects.toBeInstanceOf(
      ProviderError,
    );
    expect(run.calls).toBe(1);
  });
});
