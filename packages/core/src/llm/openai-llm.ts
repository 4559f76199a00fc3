import type OpenAI from 'openai';
import type { LlmConfig } from '../config/config-schema.js';
import { resolveApiKey } from '../providers/api-key.js';
import { importProviderSdk } from '../providers/load-sdk.js';
import { malformedResponse } from '../providers/provider-failure.js';
import { type RetryPolicy, withRetries } from '../providers/retry.js';
import { classifySdkError, type SdkErrorClasses } from '../providers/sdk-errors.js';
import type { LLM } from './llm.js';
import { llmOptionsFromConfig, type OpenAILLMOptions, providerLlmSettings } from './provider-llm-options.js';

type OpenAIModule = typeof import('openai');
type OpenAIConfig = Extract<LlmConfig, { provider: 'openai' }>;

/** Writes reflect answers through chat completions of the official `openai` client: OpenAI or any compatible server. */
export class OpenAILLM implements LLM {
  readonly name: string;
  private readonly model: string;
  private readonly client: OpenAI;
  private readonly errors: SdkErrorClasses;
  private readonly apiKey: string | undefined;
  private readonly maxTokens: number | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly tokenParameter: 'max_completion_tokens' | 'max_tokens';

  private constructor(sdk: OpenAIModule, options: OpenAILLMOptions) {
    ({
      model: this.model,
      maxTokens: this.maxTokens,
      timeoutMs: this.timeoutMs,
      retry: this.retry,
    } = providerLlmSettings(options, 'gpt-4.1-mini'));
    this.name = `openai:${this.model}`;
    this.errors = sdk;
    const baseURL = options.baseURL ?? options.client?.baseURL;
    const official = !baseURL || new URL(baseURL).hostname === 'api.openai.com';
    this.tokenParameter = options.tokenParameter ?? (official ? 'max_completion_tokens' : 'max_tokens');
    if (options.client) {
      this.client = options.client;
      this.apiKey = options.client.apiKey ?? undefined;
    } else {
      this.apiKey = resolveApiKey({
        configured: options.apiKey,
        envVars: ['OPENAI_API_KEY'],
        baseURL: options.baseURL,
        field: 'llm.api_key',
        provider: 'openai',
      });
      this.client = new sdk.OpenAI({
        apiKey: this.apiKey,
        maxRetries: 0,
        timeout: this.timeoutMs,
        ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      });
    }
  }

  /** Loads `openai` and builds the LLM; a ConfigError names `pnpm add openai` when it is missing. */
  static async create(options: OpenAILLMOptions = {}): Promise<OpenAILLM> {
    const sdk = await importProviderSdk<OpenAIModule>('openai', 'openai');
    return new OpenAILLM(sdk, options);
  }

  /** The LLM an `llm: { provider: openai, ... }` config block describes. */
  static async fromConfig(config: OpenAIConfig): Promise<OpenAILLM> {
    return OpenAILLM.create(llmOptionsFromConfig(config));
  }

  /** One chat completion; the first choice's text. */
  async complete(request: {
    system: string;
    prompt: string;
    maxTokens: number;
    signal?: AbortSignal;
  }): Promise<string> {
    const operation = `chat completion (${this.model})`;
    const completion = await withRetries(
      () =>
        this.client.chat.completions.create(
          {
            model: this.model,
            messages: [
              { role: 'system', content: request.system },
              { role: 'user', content: request.prompt },
            ],
            [this.tokenParameter]: this.maxTokens ?? request.maxTokens,
          },
          { maxRetries: 0, timeout: this.timeoutMs, ...(request.signal ? { signal: request.signal } : {}) },
        ),
      {
        provider: 'openai',
        operation,
        classify: (error) => classifySdkError(error, this.errors, [this.apiKey]),
        policy: this.retry,
        ...(request.signal ? { signal: request.signal } : {}),
      },
    );
    const choices = (completion as { choices?: unknown } | null)?.choices;
    if (!Array.isArray(choices) || choices.length === 0) throw malformedResponse('openai', operation, 'no `choices`');
    const message = (choices[0] as { message?: { content?: unknown; refusal?: unknown } }).message;
    // A refusal is the model's answer, not a failure: the caller shows it, with no sources cited.
    if (typeof message?.refusal === 'string' && message.refusal.trim() !== '') return message.refusal;
    const content = message?.content;
    if (typeof content !== 'string' || content.trim() === '')
      throw malformedResponse('openai', operation, 'the reply holds no text');
    return content;
  }
}
