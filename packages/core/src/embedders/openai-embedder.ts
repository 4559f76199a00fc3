import type OpenAI from 'openai';
import type { EmbeddingConfig } from '../config/config-schema.js';
import { DEFAULTS } from '../defaults.js';
import { ConfigError } from '../errors.js';
import { OPTION_KEYS } from '../option-keys.js';
import { importProviderSdk } from '../providers/load-sdk.js';
import { OPENAI_SDK, ProviderClient } from '../providers/provider-client.js';
import { malformedResponse } from '../providers/provider-failure.js';
import type { RetryPolicy } from '../providers/retry.js';
import type { OpenAIClient } from '../providers/sdk-clients.js';
import { checkKnownKeys } from '../validation.js';
import { type Embedder, normalizeVector } from './embedder.js';

type OpenAIModule = typeof import('openai');
type OpenAIEmbeddingConfig = Extract<EmbeddingConfig, { provider: 'openai' }>;

/** OpenAI's limit on inputs per embeddings request. */
export const OPENAI_MAX_BATCH_INPUTS = 2048;
// OpenAI caps a request at 300k tokens; at ~4 characters a token this leaves headroom for dense text.
const MAX_BATCH_CHARS = 800_000;

/** Options of the OpenAI-compatible embedder; the config keys map onto these. */
export interface OpenAIEmbedderOptions {
  model?: string;
  dimensions: number;
  /** Defaults to OPENAI_API_KEY; not needed for a local server given by `baseURL`. */
  apiKey?: string;
  /** Any OpenAI-compatible endpoint: Azure, Ollama (`http://localhost:11434/v1`), vLLM, LM Studio. */
  baseURL?: string;
  /** Per attempt; a retried request gets a fresh timeout. Default 30 s. */
  timeoutMs?: number;
  /** Default 3. */
  maxRetries?: number;
  /** Inputs per request, at most 2048. */
  batchSize?: number;
  /** Requests in flight at once when a call needs several batches. Default 4. */
  concurrency?: number;
  /** Send `dimensions` to the API (default true). Turn off for models and servers that reject it. */
  sendDimensions?: boolean;
  /** Query embeddings kept for repeated recalls; 0 disables. Default 256. */
  queryCacheSize?: number;
  /** Overrides of the retry policy (backoff, injected sleep). */
  retry?: Partial<RetryPolicy>;
  /** Bring your own client (for proxies, custom fetch); its own retries are bypassed per request. */
  client?: OpenAIClient;
}

/**
 * Embeds through the official `openai` client against OpenAI or any OpenAI-compatible server. Batches inputs,
 * retries 429/5xx honouring retry-after, bounds each request with a timeout, caches repeated query embeddings, and
 * checks that every vector has the configured dimension. `name` is `openai:<model>` so the store notices a model
 * change.
 */
export class OpenAIEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  private readonly model: string;
  private readonly api: ProviderClient<OpenAI>;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly sendDimensions: boolean;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, Float32Array>();

  private constructor(sdk: OpenAIModule, options: OpenAIEmbedderOptions) {
    // A misspelt `modle` would embed with the default model, which the store would then record as the bank's.
    checkKnownKeys(options, OPTION_KEYS.openaiEmbedder, '', 'an option of the OpenAI embedder');
    this.model = options.model ?? DEFAULTS.embedding.openaiModel;
    this.dimensions = checkRange(options.dimensions, 'dimensions', 1, 16_000);
    this.name = `openai:${this.model}`;
    const timeoutMs = checkRange(options.timeoutMs ?? 30_000, 'timeout_ms', 1, 600_000);
    const retry = { ...options.retry, maxRetries: checkRange(options.maxRetries ?? 3, 'max_retries', 0, 10) };
    this.batchSize = checkRange(options.batchSize ?? OPENAI_MAX_BATCH_INPUTS, 'batch_size', 1, OPENAI_MAX_BATCH_INPUTS);
    this.concurrency = checkRange(options.concurrency ?? 4, 'concurrency', 1, 64);
    this.cacheSize = checkRange(options.queryCacheSize ?? 256, 'queryCacheSize', 0, 100_000);
    this.sendDimensions = options.sendDimensions ?? true;
    this.api = ProviderClient.connect(OPENAI_SDK, sdk, options, { field: 'embedding.api_key', timeoutMs, retry });
  }

  /** Loads the `openai` package and builds the embedder; a ConfigError names `pnpm add openai` when it is missing. */
  static async create(options: OpenAIEmbedderOptions): Promise<OpenAIEmbedder> {
    const sdk = await importProviderSdk<OpenAIModule>('openai', 'openai');
    return new OpenAIEmbedder(sdk, options);
  }

  /** The embedder an `embedding: { provider: openai, ... }` config block describes. */
  static async fromConfig(config: OpenAIEmbeddingConfig): Promise<OpenAIEmbedder> {
    return OpenAIEmbedder.create({
      model: config.model,
      dimensions: config.dimensions,
      ...(config.api_key ? { apiKey: config.api_key } : {}),
      ...(config.base_url ? { baseURL: config.base_url } : {}),
      ...(config.timeout_ms ? { timeoutMs: config.timeout_ms } : {}),
      ...(config.max_retries !== undefined ? { maxRetries: config.max_retries } : {}),
      ...(config.batch_size ? { batchSize: config.batch_size } : {}),
    });
  }

  /** Embeds `texts` in order, in as few requests as the batch limits allow; queries are served from a cache. */
  async embed(
    texts: string[],
    options: { purpose?: 'document' | 'query'; signal?: AbortSignal } = {},
  ): Promise<Float32Array[]> {
    const out: (Float32Array | undefined)[] = new Array(texts.length);
    const useCache = options.purpose === 'query' && this.cacheSize > 0;
    const missing: number[] = [];
    texts.forEach((text, i) => {
      const cached = useCache ? this.cache.get(text) : undefined;
      if (cached) {
        // Re-inserting marks the entry as recently used, so the Map's order is an LRU order.
        this.cache.delete(text);
        this.cache.set(text, cached);
        out[i] = cached.slice();
      } else missing.push(i);
    });
    const batches = this.planBatches(missing.map((i) => texts[i] as string));
    let next = 0;
    let offset = 0;
    const starts = batches.map((batch) => {
      const start = offset;
      offset += batch.length;
      return start;
    });
    let failed = false;
    const worker = async () => {
      while (next < batches.length && !failed) {
        const b = next++;
        const vectors = await this.request(batches[b] as string[], options.signal).catch((error: unknown) => {
          // Stops the other workers from sending batches whose results would be thrown away.
          failed = true;
          throw error;
        });
        vectors.forEach((vector, j) => {
          out[missing[(starts[b] as number) + j] as number] = vector;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    if (useCache) for (const i of missing) this.remember(texts[i] as string, out[i] as Float32Array);
    return out as Float32Array[];
  }

  // Splits by input count and by total size, keeping order.
  private planBatches(texts: string[]): string[][] {
    const batches: string[][] = [];
    let current: string[] = [];
    let chars = 0;
    for (const text of texts) {
      if (current.length > 0 && (current.length >= this.batchSize || chars + text.length > MAX_BATCH_CHARS)) {
        batches.push(current);
        current = [];
        chars = 0;
      }
      current.push(text);
      chars += text.length;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  private async request(input: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const response = await this.api.request(`embeddings request (${this.model})`, signal, (client, requestOptions) =>
      client.embeddings.create(
        {
          model: this.model,
          input,
          // Float, not the SDK's default base64: several OpenAI-compatible servers only speak float.
          encoding_format: 'float',
          ...(this.sendDimensions ? { dimensions: this.dimensions } : {}),
        },
        requestOptions,
      ),
    );
    return this.readVectors(response as unknown, input.length);
  }

  // The SDK does not validate bodies; a proxy or a half-compatible server can return anything.
  private readVectors(response: unknown, expected: number): Float32Array[] {
    const operation = `embeddings request (${this.model})`;
    const data = (response as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw malformedResponse('openai', operation, 'no `data` array');
    if (data.length !== expected)
      throw malformedResponse('openai', operation, `${data.length} embeddings for ${expected} inputs`);
    const vectors: Float32Array[] = new Array(expected);
    data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
      const index = item?.index ?? position;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || vectors[index]) {
        throw malformedResponse('openai', operation, `bad or repeated index ${JSON.stringify(index)}`);
      }
      const embedding = item.embedding;
      if (!Array.isArray(embedding) || embedding.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw malformedResponse('openai', operation, 'an embedding is not an array of numbers');
      }
      if (embedding.length !== this.dimensions) {
        throw new ConfigError(
          `embedding.dimensions is ${this.dimensions} but ${this.model} returned ${embedding.length}-dimensional vectors; set dimensions: ${embedding.length}, or use a model that supports shortening`,
          {
            code: 'embedding_dimensions',
            details: { configured: this.dimensions, returned: embedding.length, model: this.model },
          },
        );
      }
      // OpenAI's vectors are unit length already; local models' often are not, and cosine search assumes they are.
      const vector = normalizeVector(Float32Array.from(embedding));
      // A number past float32's range (1e39) becomes Infinity there, and normalized, NaN: a vector no search finds.
      if (!vector.every(Number.isFinite))
        throw malformedResponse('openai', operation, 'an embedding holds numbers outside the range of 32-bit floats');
      vectors[index] = vector;
    });
    return vectors;
  }

  private remember(text: string, vector: Float32Array): void {
    this.cache.set(text, vector.slice());
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }
}

function checkRange(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`embedding.${field}: must be an integer from ${min} to ${max}, got ${value}`, {
      details: { field },
    });
  }
  return value;
}
