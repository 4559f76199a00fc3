import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Astrocyte } from '../astrocyte.js';
import { ConfigError, EmbedderMismatchError, ProviderAuthError, ProviderError, ValidationError } from '../errors.js';
import { InMemoryStore } from '../in-memory/in-memory-store.js';
import { fakeProviderServerPerTest } from '../testing/provider-servers/index.js';
import { LocalEmbedder } from './local-embedder.js';
import { OpenAIEmbedder } from './openai-embedder.js';

const KEY = 'sk-test-embedder-0123456789abcdef';
const fake = fakeProviderServerPerTest({ apiKey: KEY });

function embedder(options: Partial<Parameters<typeof OpenAIEmbedder.create>[0]> = {}) {
  return OpenAIEmbedder.create({ dimensions: 64, apiKey: KEY, baseURL: fake.server.openaiBaseURL, ...options });
}

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
}

describe('OpenAIEmbedder against a local OpenAI-compatible server', () => {
  it('requests embeddings in batches with the configured model and dimensions, keeping input order', async () => {
    const e = await embedder({ model: 'text-embedding-3-large', batchSize: 2, concurrency: 1 });
    const texts = ['alpha one', 'beta two', 'gamma three', 'delta four', 'epsilon five'];
    const vectors = await e.embed(texts);
    const calls = fake.server.requestsTo('/v1/embeddings');
    expect(calls.map((c) => (c.body as { input: string[] }).input)).toEqual([
      texts.slice(0, 2),
      texts.slice(2, 4),
      texts.slice(4),
    ]);
    for (const call of calls) {
      expect(call.body).toMatchObject({ model: 'text-embedding-3-large', dimensions: 64, encoding_format: 'float' });
      expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
    }
    expect(vectors).toHaveLength(5);
    for (const v of vectors) {
      expect(v).toHaveLength(64);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    // Order is preserved: each vector is the one for its own text.
    const single = await e.embed(['gamma three']);
    expect(Array.from(single[0] as Float32Array)).toEqual(Array.from(vectors[2] as Float32Array));
    expect(e.name).toBe('openai:text-embedding-3-large');
    expect(e.dimensions).toBe(64);
  });

  it('refuses a misspelt option, naming it, where it would have embedded with the default model', async () => {
    const error = await OpenAIEmbedder.create({
      apiKey: KEY,
      baseURL: fake.server.openaiBaseURL,
      modle: 'embed-test',
      dimensions: 8,
    } as never).catch((err: unknown) => err);
    expect(ValidationError.isInstance(error) && error.details.field).toBe('modle');
  });

  it('keeps order when batches run concurrently', async () => {
    const e = await embedder({ batchSize: 3, concurrency: 4 });
    const texts = Array.from({ length: 20 }, (_, i) => `memory number ${i} about topic ${i % 3}`);
    const vectors = await e.embed(texts);
    expect(fake.server.requestsTo('/v1/embeddings')).toHaveLength(7);
    const one = await embedder({ queryCacheSize: 0 });
    for (const i of [0, 7, 19]) {
      const [expected] = await one.embed([texts[i] as string]);
      expect(Array.from(vectors[i] as Float32Array)).toEqual(Array.from(expected as Float32Array));
    }
  });

  it('never sends more inputs than the API allows in one request', async () => {
    await fake.restart({ apiKey: KEY, maxEmbeddingInputs: 2048 });
    const e = await embedder();
    const texts = Array.from({ length: 2050 }, (_, i) => `t${i}`);
    await expect(e.embed(texts)).resolves.toHaveLength(2050);
    expect(fake.server.requestsTo('/v1/embeddings').map((c) => (c.body as { input: string[] }).input.length)).toEqual([
      2048, 2,
    ]);
  });

  it('retries a 429 and succeeds, honouring retry-after', async () => {
    fake.server.fail({ path: '/v1/embeddings', status: 429, retryAfter: 0 });
    const e = await embedder();
    const [vector] = await e.embed(['rate limited once']);
    expect(vector).toHaveLength(64);
    expect(fake.server.requestsTo('/v1/embeddings').map((c) => c.status)).toEqual([429, 200]);
  });

  it('gives up after max_retries on 5xx with a typed provider error', async () => {
    fake.server.fail({ path: '/v1/embeddings', status: 503, times: 10 });
    const e = await embedder({ maxRetries: 2 });
    const error = await e.embed(['down']).catch((err: unknown) => err);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).details).toMatchObject({
      provider: 'openai',
      kind: 'server_error',
      status: 503,
      attempts: 3,
    });
    expect(fake.server.requestsTo('/v1/embeddings')).toHaveLength(3);
  });

  it('does not wait for a retry-after longer than the cap, and says how long to wait', async () => {
    fake.server.fail({ path: '/v1/embeddings', status: 429, retryAfter: 3600 });
    const e = await embedder();
    const error = await e.embed(['slow down']).catch((err: unknown) => err);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).details).toMatchObject({
      kind: 'rate_limited',
      retryAfterSeconds: 3600,
      attempts: 1,
    });
    expect(fake.server.requestsTo('/v1/embeddings')).toHaveLength(1);
  });

  it('turns a 401 into a configuration error naming the provider, without the key anywhere', async () => {
    const e = await embedder({ apiKey: 'sk-wrong-key-should-never-appear-9876' });
    const error = await e.embed(['hello']).catch((err: unknown) => err);
    expect(ProviderAuthError.isInstance(error)).toBe(true);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('openai');
    expect((error as ProviderAuthError).details).toMatchObject({ provider: 'openai', status: 401 });
    const everything = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)} ${(error as Error).stack}`;
    expect(everything).not.toContain('sk-wrong-key-should-never-appear-9876');
    expect(everything).not.toContain('should-never-appear');
    expect(fake.server.requestsTo('/v1/embeddings')).toHaveLength(1);
  });

  it('keeps the key out of errors even when the server echoes it in a retried failure', async () => {
    fake.server.fail({
      status: 500,
      times: 5,
      body: JSON.stringify({ error: { message: `internal error for key ${KEY}`, type: 'server_error' } }),
    });
    const e = await embedder({ maxRetries: 1 });
    const error = await e.embed(['x']).catch((err: unknown) => err);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('internal error for key');
    expect(`${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`).not.toContain(KEY);
  });

  it('reports a malformed JSON body as a typed provider error', async () => {
    fake.server.fail({ path: '/v1/embeddings', status: 200, body: '{"object":"list","data":[{"embedd' });
    const error = await (await embedder()).embed(['x']).catch((err: unknown) => err);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).details).toMatchObject({ kind: 'malformed_response' });
  });

  it('reports a well-formed body of the wrong shape as a typed provider error', async () => {
    fake.server.fail({ path: '/v1/embeddings', status: 200, body: JSON.stringify({ object: 'list', data: [] }) });
    const error = await (await embedder()).embed(['x']).catch((err: unknown) => err);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('0 embeddings for 1 inputs');
  });

  it('reports a vector holding a number beyond 32-bit floats as a malformed response, not a vector of NaN', async () => {
    const embedding = Array.from({ length: 64 }, (_, i) => (i === 0 ? 1e39 : 0));
    fake.server.fail({
      path: '/v1/embeddings',
      status: 200,
      body: JSON.stringify({ data: [{ index: 0, embedding }] }),
    });
    const error = await (await embedder()).embed(['x']).catch((err: unknown) => err);
    expect((error as ProviderError).details).toMatchObject({ kind: 'malformed_response' });
    expect((error as Error).message).toContain('32-bit');
  });

  it('refuses vectors of another dimension than configured with a configuration error', async () => {
    await fake.restart({ fixedDimensions: 768 });
    const error = await (await embedder({ dimensions: 1536 })).embed(['x']).catch((err: unknown) => err);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/dimensions is 1536 .* returned 768-dimensional/);
  });

  it('times out a request that never answers', async () => {
    fake.server.fail({ path: '/v1/embeddings', hang: true });
    const e = await embedder({ timeoutMs: 200, maxRetries: 0 });
    const error = await e.embed(['x']).catch((err: unknown) => err);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).details).toMatchObject({ kind: 'timeout' });
  });

  it('times out a response whose body stalls after its headers, and retries one whose connection drops mid-body', async () => {
    fake.server.fail({ path: '/v1/embeddings', partialBody: 'stall', times: 2 });
    const stalled = await (await embedder({ timeoutMs: 300, maxRetries: 1 })).embed(['x']).catch((err: unknown) => err);
    expect((stalled as ProviderError).details).toMatchObject({ kind: 'timeout', attempts: 2 });
    fake.server.fail({ path: '/v1/embeddings', partialBody: 'cut' });
    const [vector] = await (await embedder({ maxRetries: 1 })).embed(['x']);
    expect(vector).toHaveLength(64);
    expect(fake.server.requestsTo('/v1/embeddings').map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it('leaves no listener on a signal shared by many requests, and still stops on it', async () => {
    const e = await embedder({ batchSize: 1, concurrency: 1 });
    const controller = new AbortController();
    await e.embed(
      Array.from({ length: 20 }, (_, i) => `note ${i}`),
      { signal: controller.signal },
    );
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    fake.server.fail({ path: '/v1/embeddings', hang: true });
    const pending = e.embed(['x'], { signal: controller.signal }).catch((err: unknown) => err);
    controller.abort();
    expect(ProviderError.isInstance(await pending)).toBe(true);
  });

  it('caches repeated query embeddings but not documents', async () => {
    const e = await embedder();
    const first = await e.embed(['what does Ana like?'], { purpose: 'query' });
    const second = await e.embed(['what does Ana like?'], { purpose: 'query' });
    expect(Array.from(second[0] as Float32Array)).toEqual(Array.from(first[0] as Float32Array));
    (second[0] as Float32Array)[0] = 42; // a caller mutating its copy must not corrupt the cache
    const third = await e.embed(['what does Ana like?'], { purpose: 'query' });
    expect((third[0] as Float32Array)[0]).not.toBe(42);
    await e.embed(['a document'], { purpose: 'document' });
    await e.embed(['a document'], { purpose: 'document' });
    expect(fake.server.requestsTo('/v1/embeddings')).toHaveLength(3);
  });

  it('does not send dimensions when told not to', async () => {
    const e = await embedder({ sendDimensions: false, dimensions: 1536 });
    await e.embed(['x']);
    expect(fake.server.requestsTo('/v1/embeddings')[0]?.body).not.toHaveProperty('dimensions');
  });

  it('needs a key for the official endpoint, naming where to put it', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const error = await OpenAIEmbedder.create({ dimensions: 8 }).catch((err: unknown) => err);
      expect(ConfigError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('OPENAI_API_KEY');
      expect((error as Error).message).toContain('embedding.api_key');
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });
});

describe('openai embedder from astrocyte.yaml', () => {
  it('reads api_key from an environment variable and runs retain and recall through the server', async () => {
    const variable = `ASTROCYTE_TEST_KEY_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    process.env[variable] = KEY;
    try {
      const brain = await Astrocyte.fromConfigObject({
        storage: { backend: 'memory' },
        embedding: {
          provider: 'openai',
          model: 'text-embedding-3-small',
          dimensions: 256,
          api_key: `\${${variable}}`,
          base_url: fake.server.openaiBaseURL,
          batch_size: 2,
        },
      });
      expect(brain.embedder.name).toBe('openai:text-embedding-3-small');
      const results = await brain.retainMany(
        [
          { content: 'Ana prefers green tea in the morning' },
          { content: 'The deploy runs on Fridays' },
          { content: 'Ana lives in Lisbon' },
        ],
        { bankId: 'user-ana' },
      );
      expect(results.every((r) => r.stored)).toBe(true);
      const { hits } = await brain.recall('what tea does Ana drink', { bankId: 'user-ana' });
      expect(hits[0]?.text).toBe('Ana prefers green tea in the morning');
      const bodies = fake.server
        .requestsTo('/v1/embeddings')
        .map((r) => r.body as { input: string[]; dimensions: number });
      expect(bodies.map((b) => b.input.length)).toEqual([2, 1, 1]);
      expect(bodies.every((b) => b.dimensions === 256)).toBe(true);
      await brain.close();
    } finally {
      delete process.env[variable];
    }
  });

  it('refuses at open a store written by another embedder, naming both', async () => {
    const store = new InMemoryStore();
    const local = await Astrocyte.create({ store, embedder: new LocalEmbedder({ dimensions: 384 }) });
    await local.retain('written with the local embedder', { bankId: 'b' });
    const openai = await OpenAIEmbedder.create({ dimensions: 1536, apiKey: KEY, baseURL: fake.server.openaiBaseURL });
    const error = await Astrocyte.create({ store, embedder: openai }).catch((err: unknown) => err);
    expect(EmbedderMismatchError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('local-hash-v1 (384 dimensions)');
    expect((error as Error).message).toContain('openai:text-embedding-3-small (1536 dimensions)');
    // Same model, other dimension: also refused.
    const store2 = new InMemoryStore();
    await Astrocyte.create({ store: store2, embedder: openai });
    const shorter = await OpenAIEmbedder.create({ dimensions: 512, apiKey: KEY, baseURL: fake.server.openaiBaseURL });
    await expect(Astrocyte.create({ store: store2, embedder: shorter })).rejects.toThrow(
      /1536 dimensions.*512 dimensions/,
    );
  });

  it('refuses at open a SQLite file written by the local embedder when openai is configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'astrocyte-mismatch-'));
    const storage = { backend: 'sqlite', sqlite: { path: join(dir, 'memory.db') } };
    try {
      const local = await Astrocyte.fromConfigObject({ storage });
      await local.retain('written with the local embedder', { bankId: 'b' });
      await local.close();
      const error = await Astrocyte.fromConfigObject({
        storage,
        embedding: { provider: 'openai', dimensions: 1536, api_key: KEY, base_url: fake.server.openaiBaseURL },
      }).catch((err: unknown) => err);
      expect(EmbedderMismatchError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('local-hash-v1 (384 dimensions)');
      expect((error as Error).message).toContain('openai:text-embedding-3-small (1536 dimensions)');
      // The refused open left the file as it was: the local embedder still reads it.
      const again = await Astrocyte.fromConfigObject({ storage });
      expect((await again.recall('local embedder', { bankId: 'b' })).hits).toHaveLength(1);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
