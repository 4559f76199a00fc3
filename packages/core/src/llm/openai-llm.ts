import type OpenAI from 'openai';
import type { LlmConfig } from '../config/config-schema.js';
import { DEFAULTS } from '../defaults.js';
import { OPTION_KEYS } from '../option-keys.js';
import { importProviderSdk } from '../providers/load-sdk.js';
import { OPENAI_SDK, ProviderClient } from '../providers/provider-client.js';
import { malformedResponse } from '../providers/provider-failure.js';
import type { CompletionRequest, LLM } from './llm.js';
import { llmOptionsFromConfig, type OpenAILLMOptions, providerLlmSettings } from './provider-llm-options.js';

type OpenAIModule = typeof import('openai');
type OpenAIConfig = Extract<LlmConfig, { provider: 'openai' }>;

/** Writes reflect answers through chat completions of the official `openai` client: OpenAI or any compatible server. */
export class OpenAILLM implements LLM {
  readonly name: string;
  private readonly model: string;
  private readonly maxTokens: number | undefined;
  private readonly tokenParameter: 'max_completion_tokens' | 'max_tokens';
  private readonly api: ProviderClient<OpenAI>;

  private constructor(sdk: OpenAIModule, options: OpenAILLMOptions) {
    const settings = providerLlmSettings(options, DEFAULTS.llm.openaiModel, OPTION_KEYS.openaiLlm);
    this.model = settings.model;
    this.maxTokens = settings.maxTokens;
    this.name = `openai:${this.model}`;
    const baseURL = options.baseURL ?? options.client?.baseURL;
    const official = !baseURL || new URL(baseURL).hostname === 'api.openai.com';
    this.tokenParameter = options.tokenParameter ?? (official ? 'max_completion_tokens' : 'max_tokens');
    this.api = ProviderClient.connect(OPENAI_SDK, sdk, options, { field: 'llm.api_key', ...settings });
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
  async complete(request: CompletionRequest): Promise<string> {
    const operation = `chat completion (${this.model})`;
    const completion = await this.api.request(operation, request.signal, (client, requestOptions) =>
      client.chat.completions.create(
        {
          model: this.model,
          messages: [
            { role: 'system', content: request.system },
            { role: 'user', content: request.prompt },
          ],
          [this.tokenParameter]: this.maxTokens ?? request.maxTokens,
        },
        requestOptions,
      ),
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
