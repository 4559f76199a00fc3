import type Anthropic from '@anthropic-ai/sdk';
import type { LlmConfig } from '../config/config-schema.js';
import { resolveApiKey } from '../providers/api-key.js';
import { importProviderSdk } from '../providers/load-sdk.js';
import { malformedResponse } from '../providers/provider-failure.js';
import { type RetryPolicy, withRetries } from '../providers/retry.js';
import { classifySdkError, type SdkErrorClasses } from '../providers/sdk-errors.js';
import type { LLM } from './llm.js';
import { type AnthropicLLMOptions, llmOptionsFromConfig, providerLlmSettings } from './provider-llm-options.js';

type AnthropicModule = typeof import('@anthropic-ai/sdk');
type AnthropicConfig = Extract<LlmConfig, { provider: 'anthropic' }>;

/** Writes reflect answers with Claude through the Messages API of the official `@anthropic-ai/sdk` client. */
export class AnthropicLLM implements LLM {
  readonly name: string;
  private readonly model: string;
  private readonly client: Anthropic;
  private readonly errors: SdkErrorClasses;
  private readonly apiKey: string | undefined;
  private readonly maxTokens: number | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;

  private constructor(sdk: AnthropicModule, options: AnthropicLLMOptions) {
    ({
      model: this.model,
      maxTokens: this.maxTokens,
      timeoutMs: this.timeoutMs,
      retry: this.retry,
    } = providerLlmSettings(options, 'claude-sonnet-4-6'));
    this.name = `anthropic:${this.model}`;
    this.errors = sdk;
    if (options.client) {
      this.client = options.client;
      this.apiKey = typeof options.client.apiKey === 'string' ? options.client.apiKey : undefined;
    } else {
      this.apiKey = resolveApiKey({
        configured: options.apiKey,
        envVars: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'],
        baseURL: options.baseURL,
        field: 'llm.api_key',
        provider: 'anthropic',
      });
      // Retries are ours (see withRetries), so the SDK's are off.
      this.client = new sdk.Anthropic({
        apiKey: this.apiKey,
        maxRetries: 0,
        timeout: this.timeoutMs,
        ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      });
    }
  }

  /** Loads `@anthropic-ai/sdk` and builds the LLM; a ConfigError names `pnpm add @anthropic-ai/sdk` when missing. */
  static async create(options: AnthropicLLMOptions = {}): Promise<AnthropicLLM> {
    const sdk = await importProviderSdk<AnthropicModule>('@anthropic-ai/sdk', 'anthropic');
    return new AnthropicLLM(sdk, options);
  }

  /** The LLM an `llm: { provider: anthropic, ... }` config block describes. */
  static async fromConfig(config: AnthropicConfig): Promise<AnthropicLLM> {
    return AnthropicLLM.create(llmOptionsFromConfig(config));
  }

  /** One Messages API call; the text blocks of the reply, joined. */
  async complete(request: {
    system: string;
    prompt: string;
    maxTokens: number;
    signal?: AbortSignal;
  }): Promise<string> {
    const operation = `messages request (${this.model})`;
    const message = await withRetries(
      () =>
        this.client.messages.create(
          {
            model: this.model,
            max_tokens: this.maxTokens ?? request.maxTokens,
            system: request.system,
            messages: [{ role: 'user', content: request.prompt }],
          },
          { maxRetries: 0, timeout: this.timeoutMs, ...(request.signal ? { signal: request.signal } : {}) },
        ),
      {
        provider: 'anthropic',
        operation,
        classify: (error) => classifySdkError(error, this.errors, [this.apiKey]),
        policy: this.retry,
        ...(request.signal ? { signal: request.signal } : {}),
      },
    );
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) throw malformedResponse('anthropic', operation, 'no `content` array');
    const text = content
      .filter((block: { type?: unknown; text?: unknown }) => block?.type === 'text' && typeof block.text === 'string')
      .map((block: { text: string }) => block.text)
      .join('');
    if (text.trim() === '') throw malformedResponse('anthropic', operation, 'the reply holds no text');
    return text;
  }
}
