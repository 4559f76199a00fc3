import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import { DEFAULTS } from '@astrocyte/core';
import { cosineSimilarity } from '@astrocyte/core/backend';
import { afterAll, describe, expect, it } from 'vitest';
import { SENTENCE_ENCODER_DIMENSIONS, SentenceEncoder, serveSentenceEncoder } from './sentence-encoder.js';

const dir = mkdtempSync(join(tmpdir(), 'sentence-encoder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXTS = ['I adopted a puppy last week.', 'We recently got a new dog.', 'The stock market fell sharply today.'];

describe('the sentence encoder the quality benchmark measures a neural model with', () => {
  it('places a paraphrase nearer than an unrelated sentence, and a second run reads every vector from its cache', async () => {
    const cacheFile = join(dir, 'cache.bin');
    const first = new SentenceEncoder(cacheFile);
    const [puppy, dog, market] = await first.embed(TEXTS);
    expect(first.encoded).toBe(3);
    expect(puppy).toHaveLength(SENTENCE_ENCODER_DIMENSIONS);
    expect(cosineSimilarity(puppy as Float32Array, puppy as Float32Array)).toBeCloseTo(1, 5);
    expect(cosineSimilarity(puppy as Float32Array, dog as Float32Array)).toBeGreaterThan(
      cosineSimilarity(puppy as Float32Array, market as Float32Array) + 0.2,
    );

    const second = new SentenceEncoder(cacheFile);
    const again = await second.embed([TEXTS[2] as string, TEXTS[0] as string, TEXTS[0] as string]);
    expect(second.encoded).toBe(0);
    expect(again.map((v) => Array.from(v))).toEqual([market, puppy, puppy].map((v) => Array.from(v as Float32Array)));

    // A record cut short by an interrupted run is dropped, and its text embedded again.
    truncateSync(cacheFile, statSync(cacheFile).size - 10);
    const third = new SentenceEncoder(cacheFile);
    await third.embed(TEXTS);
    expect(third.encoded).toBe(1);
  });

  it('reaches the library through its OpenAI-compatible embedder and the official client, over HTTP', async () => {
    const encoder = new SentenceEncoder(join(dir, 'served.bin'));
    const { embedder, server } = await serveSentenceEncoder(encoder);
    try {
      const served = await embedder.embed(TEXTS);
      const direct = await encoder.embed(TEXTS);
      expect(server.embeddingRequests).toBe(1);
      served.forEach((vector, i) => {
        expect(cosineSimilarity(vector, direct[i] as Float32Array)).toBeCloseTo(1, 5);
      });
    } finally {
      await server.close();
    }
  });

  it('stores both facts of each pair its vectors place within the near-duplicate threshold', async () => {
    const encoder = new SentenceEncoder(join(dir, 'pairs.bin'));
    const { embedder, server } = await serveSentenceEncoder(encoder);
    const brain = await createSqliteBrain({ path: ':memory:', embedder });
    try {
      for (const pair of [
        ['The user is allergic to penicillin.', 'The user is not allergic to penicillin.'],
        ['The user always drinks tea in the morning.', 'The user never drinks tea in the morning.'],
        ['The project deadline is Friday.', 'The project deadline is Thursday.'],
      ]) {
        const [a, b] = await encoder.embed(pair);
        expect(cosineSimilarity(a as Float32Array, b as Float32Array)).toBeGreaterThanOrEqual(
          DEFAULTS.dedup.nearThreshold,
        );
        const bankId = `pairs-${randomUUID()}`;
        const results = [];
        for (const text of pair) results.push(await brain.retain(text, { bankId }));
        expect(results.map((r) => r.stored)).toEqual([true, true]);
      }
    } finally {
      await brain.close();
      await server.close();
    }
  });
});
