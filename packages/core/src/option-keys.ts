import type { AuditQuery } from './access/access-types.js';
import type { AstrocyteOptions } from './astrocyte.js';
import type { OpenAIEmbedderOptions } from './embedders/openai-embedder.js';
import type { AnthropicLLMOptions, OpenAILLMOptions, ProviderLlmOptions } from './llm/provider-llm-options.js';
import type { ReembedOptions } from './reembed/reembed-types.js';
import type {
  AstrocyteContext,
  ConversationTurn,
  ForgetOptions,
  JsonObject,
  ListOptions,
  RecallOptions,
  ReflectOptions,
  RetainConversationOptions,
  RetainManyItem,
  RetainOptions,
  TimeRange,
} from './types.js';
import type { Limits } from './validation.js';

// Every key of a type, as a record the compiler checks both ways: a key added to the type must be listed here, and a
// key listed here must be in the type.
const keys = <T>(record: Record<keyof T, true>): readonly string[] => Object.keys(record);

type Section<K extends keyof AstrocyteOptions> = NonNullable<AstrocyteOptions[K]>;

// What both LLMs take; each adds its own.
const PROVIDER_LLM: Record<keyof ProviderLlmOptions, true> = {
  model: true,
  apiKey: true,
  baseURL: true,
  maxTokens: true,
  timeoutMs: true,
  maxRetries: true,
  retry: true,
};

/**
 * The keys each options object of the library may have (checkKnownKeys refuses any other): the Brain operations'
 * options, items and turns, the brain's own options and their sections, and the providers'.
 */
export const OPTION_KEYS = {
  brain: keys<AstrocyteOptions>({
    store: true,
    embedder: true,
    llm: true,
    governance: true,
    limits: true,
    dedup: true,
    recall: true,
    reflect: true,
    now: true,
    hooks: true,
    access: true,
  }),
  dedup: keys<Section<'dedup'>>({ nearThreshold: true, action: true }),
  recallTuning: keys<Section<'recall'>>({
    maxResults: true,
    recencyHalfLifeDays: true,
    vectorWeight: true,
    feedbackTerms: true,
    repeatFactor: true,
    speakerBoost: true,
  }),
  reflectTuning: keys<Section<'reflect'>>({ maxSources: true, maxPromptTokens: true }),
  hooks: keys<Section<'hooks'>>({ includeText: true, onListenerError: true }),
  limits: keys<Limits>({
    maxContentLength: true,
    chunkSize: true,
    maxSpeakerLength: true,
    maxTags: true,
    maxTagLength: true,
    maxMetadataBytes: true,
    maxPathLength: true,
    maxQueryLength: true,
    maxBatchSize: true,
    maxResults: true,
  }),
  retain: keys<RetainOptions>({
    bankId: true,
    tags: true,
    metadata: true,
    path: true,
    occurredAt: true,
    expiresAt: true,
    supersedes: true,
    overrideLegalHold: true,
    reason: true,
    context: true,
  }),
  retainMany: keys<{ bankId: string; context?: unknown }>({ bankId: true, context: true }),
  retainManyItem: keys<RetainManyItem>({
    content: true,
    tags: true,
    metadata: true,
    path: true,
    occurredAt: true,
    expiresAt: true,
    createdAt: true,
  }),
  retainConversation: keys<RetainConversationOptions>({
    bankId: true,
    sessionId: true,
    occurredAt: true,
    tags: true,
    context: true,
  }),
  turn: keys<ConversationTurn>({
    speaker: true,
    text: true,
    occurredAt: true,
    expiresAt: true,
    tags: true,
    metadata: true,
    createdAt: true,
  }),
  recall: keys<RecallOptions>({
    bankId: true,
    bankIds: true,
    maxResults: true,
    tags: true,
    pathPrefix: true,
    timeRange: true,
    minScore: true,
    context: true,
  }),
  timeRange: keys<TimeRange>({ from: true, to: true }),
  reflect: keys<ReflectOptions>({ bankId: true, bankIds: true, maxSources: true, context: true }),
  forget: keys<ForgetOptions>({
    memoryIds: true,
    tags: true,
    before: true,
    all: true,
    reason: true,
    overrideLegalHold: true,
    context: true,
  }),
  list: keys<ListOptions>({ pathPrefix: true, tags: true, cursor: true, limit: true, context: true }),
  explain: keys<{ bankId: string; tags?: string[]; metadata?: JsonObject; context?: AstrocyteContext }>({
    bankId: true,
    tags: true,
    metadata: true,
    context: true,
  }),
  reembed: keys<ReembedOptions & { context?: AstrocyteContext }>({
    to: true,
    batchSize: true,
    signal: true,
    onProgress: true,
    context: true,
  }),
  audit: keys<AuditQuery & { context?: AstrocyteContext }>({
    bankId: true,
    principal: true,
    since: true,
    cursor: true,
    limit: true,
    context: true,
  }),
  localEmbedder: keys<{ dimensions?: number }>({ dimensions: true }),
  openaiEmbedder: keys<OpenAIEmbedderOptions>({
    model: true,
    dimensions: true,
    apiKey: true,
    baseURL: true,
    timeoutMs: true,
    maxRetries: true,
    batchSize: true,
    concurrency: true,
    sendDimensions: true,
    queryCacheSize: true,
    retry: true,
    client: true,
  }),
  anthropicLlm: keys<AnthropicLLMOptions>({ ...PROVIDER_LLM, client: true }),
  openaiLlm: keys<OpenAILLMOptions>({ ...PROVIDER_LLM, client: true, tokenParameter: true }),
  /** history, banks, compact, purgeExpired, reembedStatus and cancelReembed. */
  contextOnly: keys<{ context?: AstrocyteContext }>({ context: true }),
};
