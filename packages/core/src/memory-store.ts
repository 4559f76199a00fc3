import type { StoreAccessLedger } from './access/store-access-ledger.js';
import { EmbedderMismatchError, NotFoundError, PolicyError, QuotaExceededError, ValidationError } from './errors.js';
import type { StoreReembedding } from './reembed/store-reembedding.js';
import type { JsonObject, ListOptions, Memory, MemoryVersion, Page, VersionAction } from './types.js';
import { DEFAULT_LIMITS } from './validation.js';

/** Who did something to a memory, and why: the non-content part of a version row. */
export interface VersionStamp {
  action: VersionAction;
  at: Date;
  actor?: string;
  reason?: string;
}

/** A memory ready to store: validated, governed, hashed and embedded by the pipeline. */
export interface MemoryRecord {
  id: string;
  bankId: string;
  text: string;
  /** sha256 of the normalized text; unique per bank. */
  contentHash: string;
  embedding: Float32Array;
  tags: string[];
  metadata: JsonObject;
  path: string | null;
  createdAt: Date;
  occurredAt: Date | null;
  expiresAt: Date | null;
  /**
   * A live memory of the same bank that this record replaces; the store removes it from search in the same
   * transaction and writes it a `supersede` version that keeps its text and the tags it carried, with the actor and
   * reason of the record's first version. A chunk of a long text brings the other live chunks of its document: each
   * is replaced too, its version pointing at the chunk named (so that erasing either erases them all), since a
   * correction of a text replaces all of it. See checkSuperseded for what fails the insert.
   */
  supersedes: string | null;
  /** Who said it, for a conversation turn; indexed for keyword search. */
  speaker: string | null;
  /**
   * The episode the record is appended to (a conversation session, or a long text's chunks): the store gives it the
   * next position, in record order, and indexes each memory with its live neighbours' text (see keywordFields). A
   * record that supersedes memories of its own episode (the correction of a turn) takes the first place they held
   * instead, between the same neighbours.
   */
  episodeId: string | null;
  /** For a chunk: the document it belongs to (the first chunk's id); erasing one chunk is erasing the document. */
  documentId: string | null;
  /**
   * Version rows to write for the new memory, in order: a `create` at `createdAt` (once the memory is superseded, its
   * creation time is read from it), then a `redact` when the barrier redacted.
   */
  versions: VersionStamp[];
}

/** How `insert` treats duplicates. */
export interface InsertOptions {
  /** Cosine similarity at or above which a memory of the same bank counts as a duplicate; null turns near-dedup off. */
  nearDuplicateThreshold: number | null;
  /** A duplicate's new tags are added to the memory it duplicates while it holds fewer than this many; default 32. */
  maxTags?: number;
  /**
   * The tags that place a legal hold. A duplicate that adds one of them to the memory it duplicates also removes that
   * memory's expiry, as retain does for a memory stored with one: a held memory never expires. Default none.
   */
  holdTags?: readonly string[];
  /**
   * The embedder that computed the records' vectors (default: the one this store was given). Checked against the
   * recorded embedder inside the transaction, so that vectors computed just before a re-embedding switched the store
   * to another model are refused (EmbedderMismatchError), never stored beside the new model's.
   */
  embedder?: EmbedderInfo;
  /**
   * The most live memories a bank may hold, by bank id (access control's `max_memories`). Checked inside the
   * transaction, under the bank's lock, so that concurrent writers (of any process) cannot pass it together: an insert
   * that adds live memories to a bank and leaves it holding more than its limit stores nothing at all and throws
   * QuotaExceededError (`details`: quota `max_memories`, bank, limit). Duplicates are not stored and add nothing; a
   * record that supersedes a live memory replaces it and adds nothing. An insert that adds nothing to a bank passes
   * there even when the bank already holds more. Without it nothing is counted.
   */
  memoryLimits?: ReadonlyMap<string, number>;
  /**
   * The records may replace memories under legal hold (the retain gave `overrideLegalHold` and a reason). Without it,
   * a memory a record supersedes that holds one of `holdTags` inside the transaction fails the insert (see
   * checkSuperseded).
   */
  overrideLegalHold?: boolean;
}

/**
 * The banks of `records` that `options.memoryLimits` limits, with their limit: the banks whose live memories an
 * insert counts before and after writing. Throws ValidationError for a limit that is not a whole number of at least 0.
 */
export function limitedBanks(records: MemoryRecord[], options: InsertOptions): Map<string, number> {
  const limited = new Map<string, number>();
  const limits = options?.memoryLimits;
  if (limits === undefined) return limited;
  for (const { bankId } of records) {
    const limit = limits.get(bankId);
    if (limit === undefined) continue;
    if (!Number.isSafeInteger(limit) || limit < 0)
      throw new ValidationError(`memoryLimits[${bankId}]`, 'must be a whole number of at least 0');
    limited.set(bankId, limit);
  }
  return limited;
}

/**
 * Throws QuotaExceededError for the first limited bank that an insert took from `before` to `after` live memories,
 * past its limit (see InsertOptions.memoryLimits); a store calls it before committing, and rolls back on it.
 */
export function checkMemoryLimits(
  limits: Map<string, number>,
  before: Map<string, number>,
  after: Map<string, number>,
): void {
  for (const [bankId, limit] of limits) {
    const held = before.get(bankId) ?? 0;
    const now = after.get(bankId) ?? 0;
    if (now <= limit || now <= held) continue;
    throw new QuotaExceededError(
      `quota: bank ${bankId} holds ${held} memories; storing ${now - held} more would pass max_memories ${limit}`,
      undefined,
      { details: { quota: 'max_memories', bank: bankId, limit } },
    );
  }
}

/** What happened to one record of an `insert`. */
export type InsertOutcome =
  | { status: 'stored'; id: string }
  | {
      status: 'duplicate';
      duplicateOf: string;
      match: 'exact' | 'near';
      similarity: number;
      /** The record's tags that the stored memory lacked and now carries (see mergeTags). */
      addedTags: string[];
      /** Set when the stored memory's expiry (see mergeDuplicate) is not the record's: when it expires, null for never. */
      expiresAt?: Date | null;
    };

/** Conditions every search applies in its query, so that filtered-out rows never take a place in the limit. */
export interface SearchFilter {
  /** Any-of. */
  tags?: string[];
  pathPrefix?: string;
  /** Inclusive bounds on `occurredAt`, or `createdAt` where no `occurredAt` was stored. */
  from?: Date;
  to?: Date;
  /** Memories whose `expiresAt` is at or before this instant are excluded. */
  now: Date;
}

/** A search hit: an id and the engine's raw score (higher is better), in rank order. */
export interface ScoredId {
  id: string;
  bankId: string;
  score: number;
  /**
   * The live memory itself, when the engine read its row in the same query (a store over a network does, to save
   * recall a round trip); recall loads with `get` only the hits that come without it.
   */
  memory?: Memory;
}

/** What narrows `expired` beyond the expiry. */
export interface ExpiredOptions {
  /** Only memories created at or before this instant. */
  createdAtOrBefore?: Date;
}

/** What `select` and `chains` act on. Exactly one of the shapes is used per call. */
export interface MemorySelector {
  ids?: string[];
  /** Any-of. */
  tags?: string[];
  /** createdAt strictly before. */
  before?: Date;
  all?: boolean;
  /** Expired at or before this instant. */
  expiredAt?: Date;
  /** Every chunk of these documents. */
  documentIds?: string[];
}

/** A memory of a supersession chain, live or superseded, as the forget policy sees it. */
export interface ChainMember {
  id: string;
  /** The tags it carries; for a superseded memory, the tags it carried when it was replaced. */
  tags: string[];
  createdAt: Date;
  /** The memory that replaced it; null for the live memory at the head of the chain. */
  supersededBy: string | null;
  /**
   * The long text it is a chunk of (its first chunk's id), null for a memory of one piece; for a superseded memory,
   * as it was when replaced (null when replaced before stores kept it).
   */
  documentId: string | null;
  /** True when the selector matched this memory itself, not only a memory of its chain. */
  selected: boolean;
}

/**
 * The tags a duplicate brings that the stored memory (`duplicateOf`) lacks: a repeated retain with new tags adds them
 * to the memory instead of losing them. When they would take it past `maxTags`, a ValidationError: a tag dropped in
 * silence could be a legal hold the caller was told was placed.
 */
export function mergeTags(
  stored: string[],
  incoming: string[],
  duplicateOf: string,
  maxTags = DEFAULT_LIMITS.maxTags,
): string[] {
  const have = new Set(stored);
  const added = incoming.filter((tag) => !have.has(tag));
  if (stored.length + added.length > maxTags)
    throw new ValidationError(
      'tags',
      `the memory this repeats (${duplicateOf}) holds ${stored.length} tags and these would add ${added.length} (${added.join(', ')}); a memory holds at most ${maxTags}`,
      { details: { duplicateOf } },
    );
  return added;
}

/**
 * Checks, inside an insert's transaction, the memories a record supersedes as they stand there: the one it names and
 * the other live chunks of that one's document, all of which it replaces. When the named one is gone (another
 * correction replaced it, or it was forgotten, since the retain checked it) or one of them holds a legal hold without
 * `options.overrideLegalHold` (placed since), the insert fails and stores nothing, as the same retain a moment later
 * would have: two corrections of one memory never both stand.
 */
export function checkSuperseded(
  record: MemoryRecord,
  replaced: { id: string; tags: string[] }[],
  options: Pick<InsertOptions, 'holdTags' | 'overrideLegalHold'>,
): void {
  const memoryId = record.supersedes;
  if (!replaced.some((memory) => memory.id === memoryId))
    throw new NotFoundError(
      `supersedes: memory ${memoryId} in bank ${record.bankId} was replaced or forgotten since this retain checked it; nothing was stored`,
      { details: { memoryId } },
    );
  if (options.overrideLegalHold) return;
  for (const memory of replaced) {
    const tag = holdTagIn(memory.tags, options);
    if (tag === undefined) continue;
    throw new PolicyError(
      `supersedes: memory ${memory.id} was placed under legal hold, tag "${tag}", since this retain checked it; retain with overrideLegalHold: true and a reason to replace it`,
      { details: { memoryId, heldMemoryId: memory.id, tag } },
    );
  }
}

/** What `erase` may take: without `overrideLegalHold`, no live memory that holds one of `holdTags`. */
export type EraseOptions = Pick<InsertOptions, 'holdTags' | 'overrideLegalHold'>;

/**
 * Checks, inside an erase's transaction, the live memories it is about to delete as they stand there. A repeated
 * retain may have placed a legal hold on one (its tags merged into the memory) since the forget read and judged it:
 * the erase then fails and erases nothing, and forget reads its selection again, which now skips the held memory, as
 * the same forget a moment later would have (isHoldPlacedSince).
 */
export function checkNotHeld(live: { id: string; tags: readonly string[] }[], options: EraseOptions = {}): void {
  if (options.overrideLegalHold) return;
  for (const memory of live) {
    const tag = holdTagIn(memory.tags, options);
    if (tag === undefined) continue;
    throw new PolicyError(
      `memory ${memory.id} was placed under legal hold, tag "${tag}", since this forget read it; nothing was erased`,
      { details: { memoryId: memory.id, tag, placedSince: true } },
    );
  }
}

/** Whether `error` is checkNotHeld's: a hold placed between a forget's selection and its erase. */
export function isHoldPlacedSince(error: unknown): boolean {
  return PolicyError.isInstance(error) && error.details.placedSince === true;
}

/** The first of `tags` that places a legal hold (`options.holdTags`), if any. */
function holdTagIn(tags: readonly string[], options: Pick<InsertOptions, 'holdTags'>): string | undefined {
  return tags.find((tag) => options.holdTags?.includes(tag));
}

/** What a duplicate brings to the memory it repeats (see mergeDuplicate). */
export interface DuplicateMerge {
  /** The record's tags that the memory lacked and carries from now on. */
  addedTags: string[];
  /** The memory's expiry from now on (null: none), and whether that is another than before. */
  expiresAt: Date | null;
  expiryMoved: boolean;
  /** The duplicate outcome's part: `addedTags`, and `expiresAt` when the memory's is not the one the record asked for. */
  outcome: { addedTags: string[]; expiresAt?: Date | null };
}

/**
 * Whether a record is checked for near duplicates when the insert checks any. A turn or a chunk is a part of an
 * ordered whole: only its exact repeat (the same words, speaker, session and time; the same part of the same document)
 * is a duplicate; merged into a near match, it would leave a hole there. A correction is worded on purpose: merged
 * into a memory that merely resembles it, it would replace the memory it corrects with that one, and be stored nowhere.
 */
export function nearChecked(record: Pick<MemoryRecord, 'episodeId' | 'supersedes'>): boolean {
  return record.episodeId === null && record.supersedes === null;
}

/**
 * The place in its episode of a record that replaced memories (`replaced`, with their episode and position as they
 * were): the first one they held in the record's episode, where a corrected turn takes the turn's place between the
 * same neighbours; undefined when they held none there, and the record is appended as usual.
 */
export function replacedPlace(
  record: Pick<MemoryRecord, 'episodeId'>,
  replaced: { episodeId: string | null; position: number | null }[],
): number | undefined {
  const places = replaced.flatMap(({ episodeId, position }) =>
    record.episodeId !== null && episodeId === record.episodeId && position !== null ? [position] : [],
  );
  return places.length === 0 ? undefined : Math.min(...places);
}

/**
 * What a duplicate brings to the memory it repeats, as that memory stands (`stored`): its new tags (mergeTags), and
 * the expiry the memory keeps. A hold among the new tags removes the expiry, as a memory stored with a hold never has
 * one; otherwise the later of the two stands, a repeat without one changing nothing. A repeat never removes an
 * expiry: a model's `memory_retain` carries none, and must not keep a memory past the expiry the application gave it.
 * A memory that has expired (a purge erases it next) is no longer remembered: its repeat brings it back with the
 * repeat's own expiry, where keeping the old one would have reported the fact kept and left it to be erased.
 */
export function mergeDuplicate(
  stored: { tags: string[]; expiresAt: Date | null },
  record: Pick<MemoryRecord, 'tags' | 'expiresAt' | 'createdAt'>,
  duplicateOf: string,
  options: Pick<InsertOptions, 'maxTags' | 'holdTags'>,
): DuplicateMerge {
  const addedTags = mergeTags(stored.tags, record.tags, duplicateOf, options.maxTags);
  const expired = stored.expiresAt !== null && stored.expiresAt <= record.createdAt;
  const later =
    expired || (record.expiresAt !== null && stored.expiresAt !== null && record.expiresAt > stored.expiresAt)
      ? record.expiresAt
      : stored.expiresAt;
  const expiresAt = holdTagIn(addedTags, options) === undefined ? later : null;
  return {
    addedTags,
    expiresAt,
    expiryMoved: !sameExpiry(stored.expiresAt, expiresAt),
    outcome: { addedTags, ...(sameExpiry(expiresAt, record.expiresAt) ? {} : { expiresAt }) },
  };
}

function sameExpiry(a: Date | null, b: Date | null): boolean {
  return (a?.getTime() ?? null) === (b?.getTime() ?? null);
}

/** What the store records about the embedder that wrote it. */
export interface EmbedderInfo {
  name: string;
  dimensions: number;
}

/** Throws EmbedderMismatchError unless the configured embedder is the one the store recorded. */
export function checkSameEmbedder(stored: EmbedderInfo, configured: EmbedderInfo): void {
  if (stored.name !== configured.name || stored.dimensions !== configured.dimensions) {
    // Only the two fields: a backend's record may carry more (its column type), which the error has no use for.
    throw new EmbedderMismatchError(
      { name: stored.name, dimensions: stored.dimensions },
      { name: configured.name, dimensions: configured.dimensions },
    );
  }
}

/** What a store reports about itself (see MemoryStore.describe). */
export interface StoreDescription {
  /** The database engine and its version: SQLite 3.46.1, PostgreSQL 16.4. */
  engine: { name: string; version: string };
  /** Where the data lives, without credentials: a file path, or host:port/database and schema. */
  location: string;
  /** The file holding the store on this machine, whose disk `diagnose` checks; null for a database server's or memory. */
  file: string | null;
  /** The vector extension searches run on, and its version; null for a store that needs none. */
  vectorExtension: { name: string; version: string } | null;
  /** The version of the store's schema, and the newest one this release of the backend writes; null without one. */
  schemaVersion: { current: number; latest: number } | null;
  /** The embedder recorded in the store; null while none is. */
  embedder: EmbedderInfo | null;
  /** Live memories, and the banks holding them. */
  counts: { memories: number; banks: number };
}

/** What `list` is given: the Brain's list options with the page size already defaulted by the pipeline. */
export interface StoreListOptions extends ListOptions {
  limit: number;
}

/**
 * The storage SPI that backends implement. It stores and searches; it knows nothing of PII, rules or models.
 * Every method is scoped by bank in its query: no call reads or deletes across banks unless given those banks.
 */
export interface MemoryStore {
  /** A short backend name for errors and logs (`sqlite`, `postgres`, `memory`). */
  readonly backend: string;

  /** Records the embedder on first use; throws EmbedderMismatchError when another one wrote the store. */
  ensureEmbedder(info: EmbedderInfo): Promise<void>;

  /**
   * Stores records in one transaction, in order, each against the bank's live memories and the records before it.
   * A store may let the event loop run between records of a large batch, as long as nothing sees the batch, and no
   * other call of the store runs, until it commits.
   * An exact hash match or a near match at or above the threshold is reported as a duplicate and not stored. A near
   * match counts only when the record has no `occurredAt` or the match has the same one: the same words at another
   * time are another event.
   * The memory a record supersedes is never counted as its duplicate (a correction is worded like the original).
   * A duplicate's new tags are added to the memory it duplicates (mergeTags). A record with an episode is appended
   * to it, and its live predecessor's keyword entry is rebuilt to include the new text as a neighbour.
   * Safe under concurrent writers: the check and the insert are atomic per bank.
   */
  insert(records: MemoryRecord[], options: InsertOptions): Promise<InsertOutcome[]>;

  /** The live memory of a bank whose normalized text hashes to `contentHash`, if any. */
  findByHash(bankId: string, contentHash: string): Promise<string | null>;

  /** k nearest live memories by cosine similarity (`score` is the similarity), over the given banks. */
  vectorSearch(bankIds: string[], embedding: Float32Array, limit: number, filter: SearchFilter): Promise<ScoredId[]>;

  /** Live memories matching any of the terms, best first by the engine's text rank. */
  keywordSearch(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]>;

  /** Live memories by id within one bank; ids of other banks or unknown ids are left out. */
  get(bankId: string, ids: string[]): Promise<Memory[]>;

  /** Live memories of a bank, oldest first, with an opaque cursor. */
  list(bankId: string, options: StoreListOptions): Promise<Page<Memory>>;

  /** Live memories of a bank matching the selector (for forget policies to inspect before erasing). */
  select(bankId: string, selector: MemorySelector): Promise<Memory[]>;

  /**
   * The supersession chains of a bank through the memories the selector matches (`ids`, `tags`, `before` or `all`):
   * every memory linked to one of them by supersession, in either direction, live or superseded. A superseded
   * memory is matched by its id, by the tags it carried and by its creation time like a live one. Superseded
   * memories whose text is already erased are left out.
   */
  chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]>;

  /**
   * Erases memories of one bank everywhere their content lives (row, vector, keyword index, version contents and
   * tags, the contents and tags of the memories they superseded, and their episode neighbours' keyword entries,
   * which are rebuilt without it), and writes a content-free tombstone version for each. An id may name a live
   * memory or a superseded one whose text is not yet erased; which ids are erased is decided before any is, so
   * naming a memory and one it replaced erases and returns both.
   * Returns the ids erased; ids of other banks, unknown ids and ids already erased are ignored. A live memory named
   * that holds one of `options.holdTags` inside the transaction fails the erase unless `options.overrideLegalHold`
   * (see checkNotHeld), and nothing is erased.
   */
  erase(bankId: string, ids: string[], stamp: VersionStamp, options?: EraseOptions): Promise<string[]>;

  /**
   * Live memories, of any bank, whose `expiresAt` is at or before `now`, at most `limit` of them; with
   * `options.createdAtOrBefore`, only those whose `createdAt` is at or before it. The purge passes the forget policy's
   * minimum-age floor there, so that the expired memories the policy keeps are not read again round after round.
   */
  expired(now: Date, limit: number, options?: ExpiredOptions): Promise<{ bankId: string; id: string }[]>;

  /** A memory's versions, oldest first, including those of a forgotten or superseded memory. */
  history(bankId: string, memoryId: string): Promise<MemoryVersion[]>;

  /** Every bank with live memories and their count. */
  banks(): Promise<{ bankId: string; memoryCount: number }[]>;

  /**
   * Rewrites the store's files so that erased rows leave no bytes behind in freed pages or index files (SQLite's
   * VACUUM, Postgres's VACUUM FULL). Blocks the store's other work while it runs. A store that keeps nothing on disk
   * need not have it.
   */
  compact?(): Promise<void>;

  /**
   * What the store can tell about itself, for `brain.health()` and `astrocyte doctor`; read fresh from the database
   * each call (another process may have changed the recorded embedder), writing nothing. A store may leave it out.
   */
  describe?(): Promise<StoreDescription>;

  /**
   * Re-embedding: staging a new model's vectors beside the old ones and switching to them in one transaction (see
   * StoreReembedding). A store that leaves it out cannot be re-embedded in place.
   */
  readonly reembedding?: StoreReembedding;

  /** Rate-limit and quota counters and the audit log (see StoreAccessLedger); needed when `access` is configured. */
  readonly accessLedger?: StoreAccessLedger;

  /** Closes what the store opened; a client passed in by the caller stays open. */
  close(): Promise<void>;
}
