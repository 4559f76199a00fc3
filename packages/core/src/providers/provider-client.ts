import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { resolveApiKey } from './api-key.js';
import { type RetryPolicy, withRetries } from './retry.js';
import { AttemptTimedOut, classifySdkError, type SdkErrorClasses } from './sdk-errors.js';

/** What an official SDK client constructor is given when Astrocyte builds the client itself. */
export interface SdkClientSettings {
  apiKey: string;
  maxRetries: 0;
  timeout: number;
  baseURL?: string;
}

/** The per-request options every SDK call is sent with. */
export interface SdkRequestOptions {
  maxRetries: 0;
  timeout: number;
  signal?: AbortSignal;
}

/** One provider's SDK: where its key is found and how its client is built. */
export interface ProviderSdk<Module extends SdkErrorClasses, Client> {
  provider: string;
  /** The SDK's own environment variables for the key; the first is the one named when none is set. */
  envVars: readonly string[];
  createClient: (sdk: Module, settings: SdkClientSettings) => Client;
}

/** The official `openai` package, which also serves every OpenAI-compatible server. */
export const OPENAI_SDK: ProviderSdk<typeof import('openai'), OpenAI> = {
  provider: 'openai',
  envVars: ['OPENAI_API_KEY'],
  createClient: (sdk, settings) => new sdk.OpenAI(settings),
};

/** The official `@anthropic-ai/sdk` package. */
export const ANTHROPIC_SDK: ProviderSdk<typeof import('@anthropic-ai/sdk'), Anthropic> = {
  provider: 'anthropic',
  envVars: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'],
  createClient: (sdk, settings) => new sdk.Anthropic(settings),
};

/** How a user reaches a provider: their own client, or the key and endpoint to build one with. */
export interface ProviderConnectionOptions {
  /**
   * Brought by the caller (for proxies, custom fetch); used as is, its own retries bypassed per request. Typed by
   * its parts in the public options (sdk-clients.ts), it is the SDK's client.
   */
  client?: { apiKey: string | null };
  apiKey?: string;
  baseURL?: string;
}

/** What Astrocyte itself decides about every request: the config key named for a missing key, timeout, retries. */
export interface ProviderRequestSettings {
  /** The config key of the API key, named in errors: "llm.api_key". */
  field: string;
  /** Per attempt; a retried request gets a fresh timeout. */
  timeoutMs: number;
  retry: RetryPolicy;
}

/**
 * An `openai` or `@anthropic-ai/sdk` client together with the one way Astrocyte sends requests through it: our
 * retry policy (the SDK's own retries are off), a per-attempt timeout, and failures mapped to typed errors with the
 * API key scrubbed out.
 */
export class ProviderClient<Client extends { apiKey: string | null }> {
  private readonly client: Client;
  private readonly provider: string;
  private readonly errors: SdkErrorClasses;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;

  private constructor(
    provider: string,
    errors: SdkErrorClasses,
    client: Client,
    apiKey: string | undefined,
    settings: ProviderRequestSettings,
  ) {
    this.provider = provider;
    this.errors = errors;
    this.client = client;
    this.apiKey = apiKey;
    this.timeoutMs = settings.timeoutMs;
    this.retry = settings.retry;
  }

  /** The caller's own client, or one built from the SDK module with the key the options or environment give. */
  static connect<Module extends SdkErrorClasses, Client extends { apiKey: string | null }>(
    kind: ProviderSdk<Module, Client>,
    sdk: Module,
    options: ProviderConnectionOptions,
    settings: ProviderRequestSettings,
  ): ProviderClient<Client> {
    if (options.client) {
      const apiKey = typeof options.client.apiKey === 'string' ? options.client.apiKey : undefined;
      return new ProviderClient(kind.provider, sdk, options.client as Client, apiKey, settings);
    }
    const apiKey = resolveApiKey({
      configured: options.apiKey,
      envVars: kind.envVars,
      baseURL: options.baseURL,
      field: settings.field,
      provider: kind.provider,
    });
    // Retries are ours (see withRetries): one policy for every provider, and a cap on retry-after.
    const client = kind.createClient(sdk, {
      apiKey,
      maxRetries: 0,
      timeout: settings.timeoutMs,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    });
    return new ProviderClient(kind.provider, sdk, client, apiKey, settings);
  }

  /** Sends one request, retrying what is worth retrying; `operation` names it in errors. */
  request<T>(
    operation: string,
    signal: AbortSignal | undefined,
    send: (client: Client, requestOptions: SdkRequestOptions) => Promise<T>,
  ): Promise<T> {
    return withRetries(
      () =>
        withinDeadline(signal, this.timeoutMs, (scoped) =>
          send(this.client, { maxRetries: 0, timeout: this.timeoutMs, signal: scoped }),
        ),
      {
        provider: this.provider,
        operation,
        classify: (error) => classifySdkError(error, this.errors, [this.apiKey]),
        policy: this.retry,
        ...(signal ? { signal } : {}),
      },
    );
  }
}

/**
 * Runs one attempt with a signal of its own, aborted when the caller's is or when `timeoutMs` has passed. The SDKs'
 * `timeout` stops counting once the response's headers arrive: a body that stalls after them hung the call (and a
 * re-embedding's switch, which embeds inside its transaction, held the store's write lock). Past the deadline the
 * attempt fails as a timeout, which is retried; the caller's abort stays an abort. The SDKs also leave the abort
 * listener they add to the signal they are given, one per request: the caller's signal, which may outlive many
 * requests (a re-embedding's, over thousands of batches), is only tied to the attempt's while it runs.
 */
async function withinDeadline<T>(
  signal: AbortSignal | undefined,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const attempt = new AbortController();
  const timer = setTimeout(() => attempt.abort(), timeoutMs);
  const forward = () => attempt.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener('abort', forward, { once: true });
  try {
    return await run(attempt.signal);
  } catch (error) {
    if (attempt.signal.aborted && !signal?.aborted) throw new AttemptTimedOut();
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forward);
  }
}
