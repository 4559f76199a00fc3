// The SDKs are optional peers: a user of the local embedder installs neither, and core's published types must still
// compile for them. So the public options describe a caller's own client by the parts Astrocyte calls, which a real
// client satisfies; inside, it is used as the SDK's client (ProviderClient.connect).

/** A client of the `openai` package (`new OpenAI(...)`), as the OpenAI embedder and LLM accept it. */
export interface OpenAIClient {
  apiKey: string | null;
  baseURL: string;
  embeddings: { create(body: never, options?: never): PromiseLike<unknown> };
  chat: { completions: { create(body: never, options?: never): PromiseLike<unknown> } };
}

/** A client of the `@anthropic-ai/sdk` package (`new Anthropic(...)`), as the Anthropic LLM accepts it. */
export interface AnthropicClient {
  apiKey: string | null;
  messages: { create(body: never, options?: never): PromiseLike<unknown> };
}
