import type Anthropic from '@anthropic-ai/sdk';
import type { LlmConfig } from '../config/config-schema.js';
import { DEFAULTS } from '../defaults.js';
import { OPTION_KEYS } from '../option-keys.js';
import { importProviderSdk } from '../providers/load-sdk.js';
import { ANTHROPIC_SDK, ProviderClient } from '../providers/provider-client.js';
import { malformedResponse } from '../providers/provider-failure.js';
import type { CompletionRequest, LLM } from './llm.js';
import { type AnthropicLLMOptions, llmOptionsFromConfig, providerLlmSettings } from './provider-llm-options.js';

type AnthropicModule = typeof import('@anthropic-ai/sdk');
type AnthropicConfig = Extract<LlmConfig, { provider: 'anthropic' }>;

/** Writes reflect answers with Claude through the Messages API of the official `@anthropic-ai/sdk` client. */
export class AnthropicLLM implements LLM {
  readonly name: string;
  private readonly model: string;
  private readonly maxTokens: number | undefined;
  private readonly api: ProviderClient<Anthropic>;

  private constructor(sdk: AnthropicModule, options: AnthropicLLMOptions) {
    const settings = providerLlmSettings(options, DEFAULTS.llm.anthropicModel, OPTION_KEYS.anthropicLlm);
    this.model = settings.model;
    this.maxTokens = settings.maxTokens;
    this.name = `anthropic:${this.model}`;
    this.api = ProviderClient.connect(ANTHROPIC_SDK, sdk, options, { field: 'llm.api_key', ...settings });
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
  async complete(request: CompletionRequest): Promise<string> {
    const operation = `messages request (${this.model})`;
    const message = await this.api.request(operation, request.signal, (client, requestOptions) =>
      client.messages.create(
        {
          model: this.model,
          max_tokens: this.maxTokens ?? request.maxTokens,
          system: request.system,
          messages: [{ role: 'user', content: request.prompt }],
        },
        requestOptions,
      ),
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
