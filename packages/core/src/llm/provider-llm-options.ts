import type { LlmConfig } from '../config/config-schema.js';
import { ConfigError } from '../errors.js';
import type { RetryPolicy } from '../providers/retry.js';
import type { AnthropicClient, OpenAIClient } from '../providers/sdk-clients.js';
import { checkKnownKeys } from '../validation.js';

/** Options shared by the Anthropic and OpenAI LLMs; the config keys (`api_key`, `base_url`, ...) map onto these. */
export interface ProviderLlmOptions {
  model?: string;
  /** Defaults to the SDK's environment variable (ANTHROPIC_API_KEY / OPENAI_API_KEY). */
  apiKey?: string;
  baseURL?: string;
  /** Upper bound on the answer's length; overrides what the caller asks for. */
  maxTokens?: number;
  /** Per attempt. Default 60 s. */
  timeoutMs?: number;
  /** Default 3. */
  maxRetries?: number;
  retry?: Partial<RetryPolicy>;
}

/** Options of AnthropicLLM, which may bring its own client. */
export interface AnthropicLLMOptions extends ProviderLlmOptions {
  client?: AnthropicClient;
}

/** Options of OpenAILLM, which may bring its own client. */
export interface OpenAILLMOptions extends ProviderLlmOptions {
  client?: OpenAIClient;
  /**
   * Which length parameter to send. OpenAI's newer models accept only `max_completion_tokens`; many
   * OpenAI-compatible servers know only `max_tokens`. Default: the former for api.openai.com, else the latter.
   */
  tokenParameter?: 'max_completion_tokens' | 'max_tokens';
}

/** Checks an integer option, naming the config key in the error. */
export function checkLlmInteger(
  value: number | undefined,
  field: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < min || chosen > max) {
    throw new ConfigError(`llm.${field}: must be an integer from ${min} to ${max}, got ${chosen}`, {
      details: { field: `llm.${field}` },
    });
  }
  return chosen;
}

/** What both LLMs derive from their options, each value checked once. */
export interface ProviderLlmSettings {
  model: string;
  maxTokens: number | undefined;
  timeoutMs: number;
  retry: RetryPolicy;
}

/** Checks the shared options and fills their defaults. */
export function providerLlmSettings(
  options: ProviderLlmOptions,
  defaultModel: string,
  known: readonly string[],
): ProviderLlmSettings {
  // A misspelt `modle` would call the default model, and be billed as such, without a word.
  checkKnownKeys(options, known, '', 'an option of the LLM');
  return {
    model: options.model ?? defaultModel,
    maxTokens:
      options.maxTokens === undefined ? undefined : checkLlmInteger(options.maxTokens, 'max_tokens', 1, 64_000, 1024),
    timeoutMs: checkLlmInteger(options.timeoutMs, 'timeout_ms', 1, 600_000, 60_000),
    retry: { ...options.retry, maxRetries: checkLlmInteger(options.maxRetries, 'max_retries', 0, 10, 3) },
  };
}

/** The options an `llm:` block of astrocyte.yaml describes (snake_case keys to camelCase options). */
export function llmOptionsFromConfig(config: Exclude<LlmConfig, { provider: 'none' }>): ProviderLlmOptions {
  return {
    model: config.model,
    ...(config.api_key ? { apiKey: config.api_key } : {}),
    ...(config.base_url ? { baseURL: config.base_url } : {}),
    ...(config.max_tokens ? { maxTokens: config.max_tokens } : {}),
    ...(config.timeout_ms ? { timeoutMs: config.timeout_ms } : {}),
    ...(config.max_retries !== undefined ? { maxRetries: config.max_retries } : {}),
  };
}
