/** A language model that writes reflect answers. */
export interface LLM {
  /** Provider and model, for errors and logs: `anthropic:claude-sonnet-4-6`. */
  readonly name: string;
  /** One completion of `prompt` under `system`; throws ProviderError or ProviderAuthError, never a raw SDK error. */
  complete(request: CompletionRequest): Promise<string>;
}

/** What reflect asks of an LLM: a prompt under a system prompt, a bound on the answer's length. */
export interface CompletionRequest {
  system: string;
  prompt: string;
  maxTokens: number;
  signal?: AbortSignal;
}
