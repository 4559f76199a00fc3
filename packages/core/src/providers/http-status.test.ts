import { describe, expect, it } from 'vitest';
import { isPermanentClientError, isRetryableStatus } from './http-status.js';

describe('the permanent-error check', () => {
  it('calls a 4xx permanent unless a retry can fix it (408, 409, 429)', () => {
    for (const status of [400, 401, 403, 404, 422]) expect(isPermanentClientError({ status })).toBe(true);
    for (const status of [408, 409, 429, 500, 503]) expect(isPermanentClientError({ status })).toBe(false);
    // A dropped connection has no status and is worth another try.
    for (const error of [new TypeError('terminated'), null, { status: '404' }]) {
      expect(isPermanentClientError(error)).toBe(false);
    }
  });

  it('retries timeouts, conflicts, rate limits and server errors only', () => {
    expect([400, 404, 408, 409, 429, 500, 502].filter(isRetryableStatus)).toEqual([408, 409, 429, 500, 502]);
  });
});
