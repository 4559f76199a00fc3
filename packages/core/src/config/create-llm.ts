import type { LLM } from '../llm/llm.js';
import type { LlmConfig } from './config-schema.js';

/** The LLM a config names for reflect, or undefined for `none` (extractive answers). */
export async function createLlm(config: LlmConfig): Promise<LLM | undefined> {
  switch (config.provider) {
    case 'none':
      return undefined;
    case 'anthropic': {
      const { AnthropicLLM } = await import('../llm/anthropic-llm.js');
      return AnthropicLLM.fromConfig(config);
    }
    case 'openai': {
      const { OpenAILLM } = await import('../llm/openai-llm.js');
      return OpenAILLM.fromConfig(config);
    }
  }
}
