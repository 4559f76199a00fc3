import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { EmbeddingConfig, LlmConfig } from '../config/config-schema.js';
import { createEmbedder } from '../config/create-embedder.js';
import type { Embedder } from '../embedders/embedder.js';
import { importProviderSdk } from '../providers/load-sdk.js';
import { ANTHROPIC_SDK, OPENAI_SDK, ProviderClient } from '../providers/provider-client.js';

/** The endpoints the official SDKs call when no `base_url` is configured. */
export const DEFAULT_ENDPOINTS = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' };

/** An LLM section that names a provider. */
export type ProviderLlmConfig = Exclude<LlmConfig, { provider: 'none' }>;

/**
 * The configured embedder, built to answer a health probe quickly: one attempt, no retry, bounded by `timeoutMs`.
 * Its name and dimension are the configured embedder's.
 */
export function probeEmbedder(config: EmbeddingConfig, timeoutMs: number): Promise<Embedder> {
  return createEmbedder(config.provider === 'openai' ? { ...config, timeout_ms: timeoutMs, max_retries: 0 } : config);
}

/**
 * Lists the models of the configured LLM's endpoint: a request that costs no tokens and proves the endpoint answers
 * and takes the credentials. Says whether the configured model is among those listed (an alias may not be).
 */
export async function probeLlm(
  config: ProviderLlmConfig,
  timeoutMs: number,
): Promise<{ listed: number; modelListed: boolean }> {
  const connection = { apiKey: config.api_key, baseURL: config.base_url };
  const settings = { field: 'llm.api_key', timeoutMs, retry: { maxRetries: 0 } };
  const operation = 'models list';
  let ids: string[];
  if (config.provider === 'anthropic') {
    const sdk = await importProviderSdk<typeof import('@anthropic-ai/sdk')>('@anthropic-ai/sdk', 'anthropic');
    const api = ProviderClient.connect<typeof sdk, Anthropic>(ANTHROPIC_SDK, sdk, connection, settings);
    const page = await api.request(operation, undefined, (client, options) => client.models.list({}, options));
    ids = page.data.map((model) => model.id);
  } else {
    const sdk = await importProviderSdk<typeof import('openai')>('openai', 'openai');
    const api = ProviderClient.connect<typeof sdk, OpenAI>(OPENAI_SDK, sdk, connection, settings);
    const page = await api.request(operation, undefined, (client, options) => client.models.list(options));
    ids = page.data.map((model) => model.id);
  }
  return { listed: ids.length, modelListed: ids.includes(config.model) };
}
