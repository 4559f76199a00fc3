/** A language model that writes reflect answers. */
export interface LLM {
  /** Provider and model, for errors and logs: `anthropic:claude-sonnet-4-6`. */
  readonly name: string;
  /** One completion of `prompt` under `system`; throws ProviderError or ProviderAuthError, never a raw SDK error. */
  complete(request: { system: string; prompt: string; maxTokens: number; signal?: AbortSignal }): Promise<string>;
}
