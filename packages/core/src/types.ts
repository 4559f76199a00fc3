import type { HealthReport } from './health/health-report.js';
import type { ReembedOptions, ReembedResult } from './reembed/reembed-types.js';
import type { ReembedState } from './reembed/store-reembedding.js';
import type { Limits } from './validation.js';

/** A JSON value as stored in memory metadata. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object as stored in memory metadata. */
export type JsonObject = { [key: string]: JsonValue };

/** Who is acting and why; recorded in version history, and checked against grants when `access` is configured. */
export interface AstrocyteContext {
  /** The user, agent or service on whose behalf the operation runs, as recorded in history (default: `principal`). */
  actor?: string;
  /** Correlates the operation with a request or session in the caller's logs. */
  requestId?: string;
  /**
   * Who calls: `user:alice`, `agent:support-bot`, `service:ingest` (a bare name means `user:`). Checked against the
   * grants when `access` is configured; with access configured, an operation without one is denied.
   */
  principal?: string;
  /** The user an agent acts for: the operation needs the permission in the grants of both. */
  onBehalfOf?: string;
}

/** The kinds of personal data the PII barrier recognises. */
export type PiiType = 'email' | 'phone' | 'ssn' | 'credit_card' | 'iban' | 'ip_address' | 'secret' | 'date_of_birth';

/** Where a memory stands in an ordered episode: a conversation session, or the chunks of one long text. */
export interface EpisodePlace {
  /** The episode: the `sessionId` given to `retainConversation`, or the first chunk's id for a long text. */
  id: string;
  /** 0-based order within the episode. */
  position: number;
}

/** A stored memory as returned by `list`. */
export interface Memory {
  id: string;
  bankId: string;
  text: string;
  tags: string[];
  metadata: JsonObject;
  path?: string;
  createdAt: Date;
  occurredAt?: Date;
  expiresAt?: Date;
  /** Who said it, for a conversation turn. */
  speaker?: string;
  episode?: EpisodePlace;
  /** For a chunk of a long text: the first chunk's id. Forgetting any chunk forgets the whole document. */
  documentId?: string;
}

/**
 * One recall result: a memory and how well it matched, `score` in [0, 1], higher is better. The best hit scores how
 * well it matches the query on its own (the larger of its cosine similarity and the share of the query's words it
 * holds), whatever else the bank holds; the others score in proportion to their rank score. Near 0: nothing in memory
 * matches the query, the hit is only the nearest there is.
 */
export interface MemoryHit {
  memoryId: string;
  bankId: string;
  text: string;
  score: number;
  tags: string[];
  metadata: JsonObject;
  path?: string;
  createdAt: Date;
  occurredAt?: Date;
  speaker?: string;
  episode?: EpisodePlace;
  documentId?: string;
}

export interface RetainOptions {
  bankId: string;
  tags?: string[];
  metadata?: JsonObject;
  /** A slash-separated location such as `projects/apollo/decisions`, filterable with `pathPrefix`. */
  path?: string;
  /** When the remembered event happened; defaults to the time of storage. */
  occurredAt?: Date | string;
  /**
   * After this instant the memory is never recalled and `purgeExpired` erases it (once past the forget policy's
   * minimum age, and unless a legal hold keeps it).
   */
  expiresAt?: Date | string;
  /** The id of a memory in the same bank that this one replaces. */
  supersedes?: string;
  /** With `supersedes`: replace a memory whose supersession chain is under legal hold; requires `reason`. */
  overrideLegalHold?: boolean;
  /** With `supersedes`: why, recorded in the history of the new memory and of the one it replaces. */
  reason?: string;
  context?: AstrocyteContext;
}

export interface RetainResult {
  stored: boolean;
  memoryId: string | null;
  deduplicated: boolean;
  duplicateOf?: string;
  redacted?: PiiType[];
  /** PII types found and stored as given because their action is `warn`. */
  warned?: PiiType[];
  reason?: string;
  /** Set when a rule routed the memory to a bank other than the one asked for. */
  bankId?: string;
  /** Tags a repeated retain added to the memory it duplicates, instead of dropping them. */
  mergedTags?: string[];
  /**
   * Set when a repeated retain moved the expiry of the memory it duplicates: the memory's expiry now, null for none.
   * A memory is kept as long as its latest retain asked (no expiry is the longest), and a legal hold removes it.
   */
  expiresAt?: Date | null;
  /** Set when a long text was stored as chunks: every chunk's id, in order; `memoryId` is the first. */
  chunkIds?: string[];
}

/** One turn of a conversation for `retainConversation`. */
export interface ConversationTurn {
  speaker: string;
  text: string;
  /** When it was said; defaults to the call's `occurredAt`. */
  occurredAt?: Date | string;
  /** When it is forgotten by itself, as retain's `expiresAt` (an expire rule can set it too). Default: never. */
  expiresAt?: Date | string;
  /** Tags of this turn alone, added to the call's `tags`. */
  tags?: string[];
  metadata?: JsonObject;
  /**
   * When the memory was first stored, for restoring one from an export (`astrocyte import`); default now. A real
   * date, not in the future. Time ranges, recency, `forget`'s `before` and `min_age_days` count from it.
   */
  createdAt?: Date | string;
}

export interface RetainConversationOptions {
  bankId: string;
  /** Turns of one session form an episode, in order; a later call with the same id appends to it. Default: a new one. */
  sessionId?: string;
  /** When the session took place: each turn's `occurredAt` unless the turn has its own. */
  occurredAt?: Date | string;
  tags?: string[];
  context?: AstrocyteContext;
}

export interface RetainManyItem {
  content: string;
  tags?: string[];
  metadata?: JsonObject;
  path?: string;
  occurredAt?: Date | string;
  expiresAt?: Date | string;
  /**
   * When the memory was first stored, for restoring one from an export (`astrocyte import`); default now. A real
   * date, not in the future. Time ranges, recency, `forget`'s `before` and `min_age_days` count from it.
   */
  createdAt?: Date | string;
}

/** Inclusive bounds on when a memory happened (`occurredAt`, else when it was stored). */
export interface TimeRange {
  from?: Date | string;
  /** A date alone (`2025-03-01`) takes in that whole day, in UTC. */
  to?: Date | string;
}

export interface RecallOptions {
  bankId?: string;
  bankIds?: string[];
  maxResults?: number;
  /** Any-of: a memory matches when it carries at least one of these tags. */
  tags?: string[];
  pathPrefix?: string;
  /** Filters on `occurredAt`, or `createdAt` where no `occurredAt` was given. */
  timeRange?: TimeRange;
  /** Leaves out hits scoring below this, in [0, 1] (see `MemoryHit.score`). */
  minScore?: number;
  context?: AstrocyteContext;
}

export interface RecallResult {
  hits: MemoryHit[];
  /** How many memories matched before `maxResults` cut the list. */
  totalAvailable: number;
}

export interface ReflectOptions {
  bankId?: string;
  bankIds?: string[];
  maxSources?: number;
  context?: AstrocyteContext;
}

export interface ReflectResult {
  answer: string;
  sources: MemoryHit[];
  /** `extractive` when no LLM wrote the answer. */
  mode: 'llm' | 'extractive';
}

export interface ForgetOptions {
  memoryIds?: string[];
  /** Any-of, as in recall. */
  tags?: string[];
  /** Forget memories created before this instant. */
  before?: Date | string;
  /** Forget every memory of the bank: must be `true`. */
  all?: boolean;
  reason?: string;
  /** Forget memories under legal hold too; requires `reason`. */
  overrideLegalHold?: boolean;
  context?: AstrocyteContext;
}

export interface ForgetResult {
  deletedCount: number;
  /** Memories the forget policy kept (legal hold, minimum age), with why. */
  skipped?: { memoryId: string; reason: string }[];
  /**
   * Of the `memoryIds` asked for, those the bank does not hold live: unknown, another bank's, or forgotten already.
   * A caller that only saw the count could not tell a mistyped id from one erased.
   */
  notFound?: string[];
}

/** What happened to a memory at one point of its life. */
export type VersionAction = 'create' | 'supersede' | 'redact' | 'expire' | 'forget';

/** One row of a memory's history. `text` is null once the memory is forgotten: a content-free tombstone. */
export interface MemoryVersion {
  memoryId: string;
  bankId: string;
  version: number;
  action: VersionAction;
  text: string | null;
  actor?: string;
  reason?: string;
  /** For `supersede`: the memory that replaced this one. */
  relatedId?: string;
  at: Date;
}

export interface ListOptions {
  pathPrefix?: string;
  tags?: string[];
  cursor?: string;
  limit?: number;
  context?: AstrocyteContext;
}

/** One page of a listing; pass `nextCursor` back to get the next page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One rule that matched during `explain` or `retain`. */
export interface RuleMatch {
  rule: string;
  action: string;
  reason?: string;
  /** False for a rule that matched after an earlier rule had already decided (reject, route or allow). */
  applied?: boolean;
}

/** What retain would do with a piece of content, and why. */
export interface RuleDecision {
  action: 'store' | 'reject';
  bankId: string;
  tags: string[];
  expiresAt?: Date;
  redact: PiiType[];
  piiDetected: PiiType[];
  reason?: string;
  matched: RuleMatch[];
}

/** A bank and how many memories it holds. */
export interface BankSummary {
  bankId: string;
  memoryCount: number;
}

/** The contract agents and integrations consume. */
export interface Brain {
  /**
   * The tags that place a legal hold (`governance.forget.legal_hold_tags`). The memory tools refuse them in a model's
   * input: a hold keeps a memory from expiry and forget, which only the application may decide.
   */
  readonly legalHoldTags?: readonly string[];
  /** The input limits the brain checks (`limits:`), so that a transport can size what it accepts to them. */
  readonly limits?: Readonly<Limits>;
  retain(content: string, options: RetainOptions): Promise<RetainResult>;
  recall(query: string, options: RecallOptions): Promise<RecallResult>;
  reflect(query: string, options: ReflectOptions): Promise<ReflectResult>;
  forget(bankId: string, options: ForgetOptions): Promise<ForgetResult>;
  retainMany(items: RetainManyItem[], options: { bankId: string; context?: AstrocyteContext }): Promise<RetainResult[]>;
  /** Stores a conversation, one memory per turn (in order, one result each), as an episode of `sessionId`. */
  retainConversation(turns: ConversationTurn[], options: RetainConversationOptions): Promise<RetainResult[]>;
  history(bankId: string, memoryId: string, options?: { context?: AstrocyteContext }): Promise<MemoryVersion[]>;
  list(bankId: string, options?: ListOptions): Promise<Page<Memory>>;
  /** Every bank with live memories; with access configured, only those the principal may read. */
  banks(options?: { context?: AstrocyteContext }): Promise<BankSummary[]>;
  explain(
    content: string,
    options: { bankId: string; tags?: string[]; metadata?: JsonObject; context?: AstrocyteContext },
  ): Promise<RuleDecision>;
  /** Erases every expired memory of every bank; with access configured, needs `admin` on every bank (`*`). */
  purgeExpired(options?: { context?: AstrocyteContext }): Promise<number>;
  /**
   * Rewrites the store's files so that what forget erased leaves freed pages and index files too; locks the store.
   * With access configured, needs `admin` on every bank (`*`), as do the re-embedding operations.
   */
  compact(options?: { context?: AstrocyteContext }): Promise<void>;
  /** Whether the store answers and holds the configured embedder's vectors, counts, versions, the last failure. */
  health(): Promise<HealthReport>;
  /**
   * Re-embeds every memory with the model `to` names (an `embedding:` section as in astrocyte.yaml), resumably, while
   * recall keeps using the old vectors; then switches the store and the brain to the new model in one transaction.
   */
  reembed(options: ReembedOptions & { context?: AstrocyteContext }): Promise<ReembedResult>;
  /** The store's embedder and the re-embedding in progress, if any. */
  reembedStatus(options?: { context?: AstrocyteContext }): Promise<ReembedState>;
  /** Drops the re-embedding in progress and its staged vectors. */
  cancelReembed(options?: { context?: AstrocyteContext }): Promise<void>;
  close(): Promise<void>;
}
