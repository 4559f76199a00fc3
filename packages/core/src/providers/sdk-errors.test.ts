import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { importProviderSdk } from './load-sdk.js';
import { parseRetryAfter } from './sdk-errors.js';
import { scrubSecrets } from './secret-scrubber.js';

describe('parseRetryAfter', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }))).toBe(3000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), now)).toBe(10_000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});

describe('scrubSecrets', () => {
  it('removes known secrets and key-shaped tokens', () => {
    expect(scrubSecrets('bad key my-own-secret here', ['my-own-secret'])).toBe('bad key [redacted] here');
    expect(scrubSecrets('Incorrect API key provided: sk-proj-abc***xyz1')).toBe(
      'Incorrect API key provided: [redacted]',
    );
    expect(scrubSecrets('header Bearer abcdef123456')).toBe('header [redacted]');
    expect(scrubSecrets('nothing secret in sk-1')).toBe('nothing secret in sk-1');
  });
});

describe('importProviderSdk', () => {
  it('names the install command when the package is missing', async () => {
    const error = await importProviderSdk('@astrocyte/no-such-provider-sdk', 'imaginary').catch((e: unknown) => e);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'the imaginary provider needs the @astrocyte/no-such-provider-sdk package. Install it with: pnpm add @astrocyte/no-such-provider-sdk',
    );
  });

  it('loads an installed SDK', async () => {
    const sdk = await importProviderSdk<typeof import('openai')>('openai', 'openai');
    expect(typeof sdk.OpenAI).toBe('function');
  });
});
