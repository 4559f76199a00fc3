import { chunkText } from './chunk-text.js';
import { groupBy } from './collections.js';
import { DEFAULTS } from './defaults.js';
import type { Embedder } from './embedders/embedder.js';
import { NotFoundError, PolicyError, StorageError, ValidationError } from './errors.js';
import { chainsOf, forgetCandidates } from './forget-candidates.js';
import { checkOverride } from './governance/forget-policy.js';
import { Governance, type RetainPlan } from './governance/governance.js';
import type { LLM } from './llm/llm.js';
import { newMemoryId } from './memory-id.js';
import type { InsertOutcome, MemoryRecord, MemoryStore, SearchFilter, VersionStamp } from './memory-store.js';
import { feedbackTerms } from './recall/feedback-terms.js';
import { type FusedCandidate, fuseScores, RECENCY_FLOOR, recencyFactor } from './recall/fuse.js';
import { speakerLine } from './recall/keyword-fields.js';
import { defaultVectorWeight, type RecallTuning } from './recall/recall-tuning.js';
import { extractiveAnswer } from './reflect.js';
import { contentHash, searchTerms } from './text.js';
import { TimeSlicer } from './time-slicer.js';
import type {
  AstrocyteContext,
  BankSummary,
  Brain,
  ConversationTurn,
  ForgetOptions,
  ForgetResult,
  JsonObject,
  ListOptions,
  Memory,
  MemoryHit,
  MemoryVersion,
  Page,
  RecallOptions,
  RecallResult,
  ReflectOptions,
  ReflectResult,
  RetainConversationOptions,
  RetainManyItem,
  RetainOptions,
  RetainResult,
  RuleDecision,
} from './types.js';
import {
  checkBankId,
  checkCharacters,
  checkContent,
  checkDate,
  checkInteger,
  checkMetadata,
  checkPath,
  checkQuery,
  checkReason,
  checkSessionId,
  checkSpeaker,
  checkTags,
  DEFAULT_LIMITS,
  type Limits,
  resolveBanks,
} from './validation.js';

/** Everything the pipeline is built from; only `store` and `embedder` are required. */
export interface AstrocyteOptions {
  store: MemoryStore;
  embedder: Embedder;
  /** Writes reflect answers; without one, reflect is extractive. */
  llm?: LLM;
  governance?: Governance;
  limits?: Partial<Limits>;
  dedup?: { nearThreshold?: number; action?: 'skip' | 'keep' };
  recall?: { maxResults?: number; recencyHalfLifeDays?: number | null } & Partial<RecallTuning>;
  /** `maxPromptTokens` bounds the memories put in an LLM prompt. */
  reflect?: { maxSources?: number; maxPromptTokens?: number };
  /** The clock, injectable so that expiry and recency can be tested without waiting. */
  now?: () => Date;
}

/** A retain request after validation, before governance. */
interface ValidatedItem {
  content: string;
  bankId: string;
  tags: string[];
  metadata: JsonObject;
  path: string | null;
  occurredAt: Date | null;
  expiresAt: Date | null;
  supersedes: string | null;
  speaker: string | null;
  episodeId: string | null;
}

// Keyword hits whose text feeds pseudo-relevance feedback, and how much of the keyword weight its search gets.
const round = (score: number) => Math.round(score * 10_000) / 10_000;
const FEEDBACK_DOCUMENTS = 5;
const FEEDBACK_SHARE = 0.3;

/** The Brain: a pipeline of validation, governance, dedup, embedding and hybrid search over a MemoryStore. */
export class Astrocyte implements Brain {
  readonly store: MemoryStore;
  readonly embedder: Embedder;
  readonly llm: LLM | undefined;
  readonly governance: Governance;
  readonly limits: Limits;
  private readonly nearThreshold: number | null;
  private readonly defaultMaxResults: number;
  private readonly recencyHalfLifeDays: number | null;
  private readonly tuning: RecallTuning;
  private readonly defaultMaxSources: number;
  private readonly maxPromptTokens: number;
  private readonly now: () => Date;

  private constructor(options: AstrocyteOptions) {
    this.store = options.store;
    this.embedder = options.embedder;
    this.llm = options.llm;
    this.governance = options.governance ?? new Governance();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const threshold = options.dedup?.nearThreshold ?? DEFAULTS.dedup.nearThreshold;
    if (!(threshold > 0 && threshold <= 1)) throw new ValidationError('dedup.nearThreshold', 'must be in (0, 1]');
    this.nearThreshold = options.dedup?.action === 'keep' ? null : threshold;
    this.defaultMaxResults = checkInteger(
      options.recall?.maxResults,
      'recall.maxResults',
      1,
      this.limits.maxResults,
      DEFAULTS.recall.maxResults,
    );
    this.recencyHalfLifeDays = options.recall?.recencyHalfLifeDays ?? null;
    const vectorWeight = options.recall?.vectorWeight ?? defaultVectorWeight(options.embedder);
    if (!(vectorWeight >= 0 && vectorWeight <= 1))
      throw new ValidationError('recall.vectorWeight', 'must be in [0, 1]');
    this.tuning = {
      vectorWeight,
      feedbackTerms: checkInteger(
        options.recall?.feedbackTerms,
        'recall.feedbackTerms',
        0,
        20,
        DEFAULTS.recall.feedbackTerms,
      ),
    };
    this.defaultMaxSources = checkInteger(
      options.reflect?.maxSources,
      'reflect.maxSources',
      1,
      50,
      DEFAULTS.reflect.maxSources,
    );
    this.maxPromptTokens = checkInteger(
      options.reflect?.maxPromptTokens,
      'reflect.maxPromptTokens',
      256,
      200_000,
      DEFAULTS.reflect.maxPromptTokens,
    );
    this.now = options.now ?? (() => new Date());
  }

  /** Builds a brain and checks that the store was written by the same embedder. */
  static async create(options: AstrocyteOptions): Promise<Astrocyte> {
    await options.store.ensureEmbedder({ name: options.embedder.name, dimensions: options.embedder.dimensions });
    return new Astrocyte(options);
  }

  /** Builds a brain from `astrocyte.yaml` (or the given path); with no file, the embedded SQLite default. */
  static async fromConfig(path?: string): Promise<Astrocyte> {
    const { loadConfigFile, brainFromConfig } = await import('./config/load-config.js');
    return brainFromConfig(await loadConfigFile(path));
  }

  /** Builds a brain from a config object shaped like `astrocyte.yaml`. */
  static async fromConfigObject(config: unknown): Promise<Astrocyte> {
    const { parseConfig, brainFromConfig } = await import('./config/load-config.js');
    return brainFromConfig(parseConfig(config));
  }

  /**
   * Stores one memory, unless governance rejects it or it duplicates one already in the bank. Replacing a memory
   * whose supersession chain is under legal hold needs `overrideLegalHold` and a `reason`.
   */
  async retain(content: string, options: RetainOptions): Promise<RetainResult> {
    const item: ValidatedItem = { ...this.validateItem(content, options, ''), speaker: null, episodeId: null };
    const reason = checkReason(options.reason);
    const override = checkOverride(options.overrideLegalHold, reason);
    if (item.supersedes === null && (override || reason !== undefined))
      throw new ValidationError(override ? 'overrideLegalHold' : 'reason', 'only applies with supersedes');
    if (item.supersedes !== null) await this.checkReplaceable(item.bankId, item.supersedes, override);
    const [result] = await this.persist([item], options.context, reason);
    return result as RetainResult;
  }

  /** Stores many memories into one bank with one embedding batch and one transaction. */
  async retainMany(
    items: RetainManyItem[],
    options: { bankId: string; context?: AstrocyteContext },
  ): Promise<RetainResult[]> {
    if (!Array.isArray(items)) throw new ValidationError('items', 'must be an array');
    if (items.length > this.limits.maxBatchSize) {
      throw new ValidationError(
        'items',
        `has ${items.length} items; the limit is ${this.limits.maxBatchSize} per call`,
      );
    }
    const bankId = checkBankId(options?.bankId);
    const slicer = new TimeSlicer();
    const validated: ValidatedItem[] = [];
    for (const [i, item] of items.entries()) {
      if (typeof item !== 'object' || item === null) throw new ValidationError(`items[${i}]`, 'must be an object');
      // A replacement needs its target checked (it exists, it is not under legal hold): retain does that one at a time.
      if ('supersedes' in item)
        throw new ValidationError(`items[${i}].supersedes`, 'is not accepted in a batch; replace a memory with retain');
      validated.push({
        ...this.validateItem(item.content, { ...item, bankId }, `items[${i}].`),
        speaker: null,
        episodeId: null,
      });
      await slicer.tick();
    }
    return this.persist(validated, options.context);
  }

  /** Stores a conversation, one memory per turn, as an ordered episode of `sessionId` (appended to if it exists). */
  async retainConversation(turns: ConversationTurn[], options: RetainConversationOptions): Promise<RetainResult[]> {
    if (!Array.isArray(turns)) throw new ValidationError('turns', 'must be an array of { speaker, text } turns');
    if (turns.length > this.limits.maxBatchSize) {
      throw new ValidationError(
        'turns',
        `has ${turns.length} turns; the limit is ${this.limits.maxBatchSize} per call`,
      );
    }
    if (typeof options !== 'object' || options === null)
      throw new ValidationError('options', 'must be an object with bankId');
    const bankId = checkBankId(options.bankId);
    const episodeId =
      options.sessionId === undefined ? newMemoryId(this.now().getTime()) : checkSessionId(options.sessionId);
    // A turn with nothing said (a shared image, a dropped message) keeps its place in the result but stores nothing.
    const spoken: number[] = [];
    const validated = turns.flatMap((turn, i): ValidatedItem[] => {
      if (typeof turn !== 'object' || turn === null)
        throw new ValidationError(`turns[${i}]`, 'must be an object with speaker and text');
      const speaker = checkSpeaker(turn.speaker, this.limits, `turns[${i}].speaker`);
      if (typeof turn.text === 'string' && turn.text.trim().length === 0) return [];
      spoken.push(i);
      const item = this.validateItem(
        turn.text,
        { bankId, tags: options.tags, metadata: turn.metadata, occurredAt: turn.occurredAt ?? options.occurredAt },
        `turns[${i}].`,
        'text',
      );
      return [{ ...item, speaker, episodeId }];
    });
    const stored = await this.persist(validated, options.context);
    const results: RetainResult[] = turns.map(() => ({
      stored: false,
      memoryId: null,
      deduplicated: false,
      reason: 'the turn has no text',
    }));
    spoken.forEach((turn, j) => {
      results[turn] = stored[j] as RetainResult;
    });
    return results;
  }

  /**
   * Finds the memories most relevant to `query`: keyword search (text, speaker, date and episode neighbours), a
   * second keyword search with words the best hits share when `feedbackTerms` is set, and vector search, fused by
   * weighted normalized scores.
   */
  async recall(query: string, options: RecallOptions): Promise<RecallResult> {
    checkQuery(query, this.limits);
    const bankIds = resolveBanks(options ?? {});
    const maxResults = checkInteger(
      options.maxResults,
      'maxResults',
      1,
      this.limits.maxResults,
      this.defaultMaxResults,
    );
    const minScore = options.minScore ?? 0;
    if (typeof minScore !== 'number' || !(minScore >= 0 && minScore <= 1))
      throw new ValidationError('minScore', `must be a number in [0, 1], got ${String(minScore)}`);
    const now = this.now();
    const filter: SearchFilter = { now };
    const tags = checkTags(options.tags, this.limits);
    if (tags.length > 0) filter.tags = tags;
    const pathPrefix = checkPath(options.pathPrefix, this.limits, 'pathPrefix');
    if (pathPrefix !== null) filter.pathPrefix = pathPrefix;
    const from = checkDate(options.timeRange?.from, 'timeRange.from');
    const to = checkDate(options.timeRange?.to, 'timeRange.to');
    if (from) filter.from = from;
    if (to) filter.to = to;
    if (from && to && from > to) throw new ValidationError('timeRange', 'from must not be after to');

    // A wider pool than asked for gives fusion room to promote what the searches agree on.
    const pool = Math.min(200, Math.max(40, maxResults * 4));
    const fused = (await this.search(query, bankIds, pool, filter)).filter((c) => round(c.score) >= minScore);
    // Only candidates that can still reach the top maxResults are loaded: recency lowers a score by its floor at
    // most, so one below the k-th score times that floor never can.
    const floor = this.recencyHalfLifeDays ? RECENCY_FLOOR : 1;
    const cut = (fused[maxResults - 1]?.score ?? 0) * floor;
    const contenders = fused.filter((c, i) => i < maxResults || c.score >= cut);
    const loaded = await this.load(contenders.filter((c) => !c.memory));
    const hits: MemoryHit[] = [];
    let missing = 0;
    for (const candidate of contenders) {
      const memory = candidate.memory ?? loaded.get(`${candidate.bankId}\u0000${candidate.id}`);
      // Forgotten since the search ranked it.
      if (!memory) {
        missing++;
        continue;
      }
      const recency = this.recencyHalfLifeDays
        ? recencyFactor(memory.occurredAt ?? memory.createdAt, now, this.recencyHalfLifeDays)
        : 1;
      const score = round(candidate.score * recency);
      if (score < minScore) {
        missing++;
        continue;
      }
      hits.push(this.toHit(memory, score));
    }
    hits.sort((a, b) => b.score - a.score);
    return { hits: hits.slice(0, maxResults), totalAvailable: fused.length - missing };
  }

  // Keyword search, its feedback search, and vector search, fused; candidates best first.
  private async search(
    query: string,
    bankIds: string[],
    pool: number,
    filter: SearchFilter,
  ): Promise<FusedCandidate[]> {
    const { vectorWeight, feedbackTerms: feedbackCount } = this.tuning;
    const terms = searchTerms(query);
    const [byKeyword, byVector] = await Promise.all([
      terms.length > 0 ? this.store.keywordSearch(bankIds, terms, pool, filter) : Promise.resolve([]),
      vectorWeight > 0
        ? this.embedder
            .embed([query], { purpose: 'query' })
            .then(([vector]) => this.store.vectorSearch(bankIds, vector as Float32Array, pool, filter))
        : Promise.resolve([]),
    ]);
    let byFeedback: typeof byKeyword = [];
    if (feedbackCount > 0 && byKeyword.length > 1) {
      const best = await this.load(byKeyword.slice(0, FEEDBACK_DOCUMENTS));
      const extra = feedbackTerms(
        terms,
        [...best.values()].map((m) => m.text),
        feedbackCount,
      );
      if (extra.length > 0) byFeedback = await this.store.keywordSearch(bankIds, [...terms, ...extra], pool, filter);
    }
    const keywordWeight = 1 - vectorWeight;
    return fuseScores([
      { hits: byKeyword, weight: keywordWeight * (1 - FEEDBACK_SHARE) },
      { hits: byFeedback, weight: keywordWeight * FEEDBACK_SHARE },
      { hits: byVector, weight: vectorWeight },
    ]);
  }

  /** Answers `query` from memory: written by the LLM when one is configured, else extractive. */
  async reflect(query: string, options: ReflectOptions): Promise<ReflectResult> {
    const maxSources = checkInteger(options?.maxSources, 'maxSources', 1, 50, this.defaultMaxSources);
    const { hits } = await this.recall(query, { ...options, maxResults: maxSources });
    if (!this.llm || hits.length === 0) {
      return { answer: this.governance.scanOutput(extractiveAnswer(query, hits)), sources: hits, mode: 'extractive' };
    }
    const { reflectWithLlm } = await import('./llm/reflect-with-llm.js');
    const { answer, sources } = await reflectWithLlm(this.llm, query, hits, { maxPromptTokens: this.maxPromptTokens });
    return { answer: this.governance.scanOutput(answer), sources, mode: 'llm' };
  }

  /**
   * Erases memories of one bank selected by ids, tags, age or all, subject to the forget policy. Superseded memories
   * are selected too (by id, by the tags they carried, by age): forgetting any memory erases its text and the text of
   * every memory it replaced, and a legal hold on any memory of its supersession chain keeps it.
   */
  async forget(bankId: string, options: ForgetOptions): Promise<ForgetResult> {
    checkBankId(bankId);
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
    if (options.all !== undefined && typeof options.all !== 'boolean')
      throw new ValidationError(
        'all',
        `must be true to forget every memory of the bank, got ${JSON.stringify(options.all)}`,
      );
    const selectors = (['memoryIds', 'tags', 'before', 'all'] as const).filter(
      (key) => options[key] !== undefined && options[key] !== false,
    );
    if (selectors.length !== 1) {
      throw new ValidationError(
        'options',
        `give exactly one of memoryIds, tags, before or all; got ${selectors.length === 0 ? 'none' : selectors.join(', ')}`,
      );
    }
    const reason = checkReason(options.reason);
    const overrideLegalHold = checkOverride(options.overrideLegalHold, reason);
    const selector = {
      ...(options.memoryIds !== undefined ? { ids: checkIds(options.memoryIds) } : {}),
      ...(options.tags !== undefined ? { tags: checkTags(options.tags, this.limits) } : {}),
      ...(options.before !== undefined ? { before: checkDate(options.before, 'before') as Date } : {}),
      ...(options.all === true ? { all: true } : {}),
    };
    if (selector.tags?.length === 0) throw new ValidationError('tags', 'must name at least one tag');
    const now = this.now();
    const stamp = this.stamp('forget', now, options.context, reason);
    const candidates = await forgetCandidates(this.store, bankId, selector);
    const verdict = this.governance.checkForget(candidates, { overrideLegalHold, now });
    const erased = await this.store.erase(bankId, verdict.allowed, stamp);
    return { deletedCount: erased.length, ...(verdict.skipped.length > 0 ? { skipped: verdict.skipped } : {}) };
  }

  /** A memory's versions, oldest first; throws NotFoundError for an id the bank never held. */
  async history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    checkBankId(bankId);
    const [id] = checkIds([memoryId], 'memoryId');
    const versions = await this.store.history(bankId, id as string);
    if (versions.length === 0) throw new NotFoundError(`no memory ${memoryId} in bank ${bankId}`);
    return versions;
  }

  /** A page of a bank's live memories, oldest first. */
  async list(bankId: string, options: ListOptions = {}): Promise<Page<Memory>> {
    checkBankId(bankId);
    const limit = checkInteger(options.limit, 'limit', 1, 1000, 50);
    const tags = checkTags(options.tags, this.limits);
    const pathPrefix = checkPath(options.pathPrefix, this.limits, 'pathPrefix');
    if (options.cursor !== undefined && typeof options.cursor !== 'string')
      throw new ValidationError('cursor', 'must be a string');
    return this.store.list(bankId, {
      limit,
      ...(tags.length > 0 ? { tags } : {}),
      ...(pathPrefix !== null ? { pathPrefix } : {}),
      ...(options.cursor ? { cursor: options.cursor } : {}),
    });
  }

  /** Every bank with live memories, and how many each holds. */
  async banks(): Promise<BankSummary[]> {
    return this.store.banks();
  }

  /** What retain would do with `content`, and every rule that matched; stores nothing. */
  async explain(
    content: string,
    options: { bankId: string; tags?: string[]; metadata?: JsonObject },
  ): Promise<RuleDecision> {
    return this.governance.explain({
      content: checkContent(content, this.limits),
      bankId: checkBankId(options?.bankId),
      tags: checkTags(options.tags, this.limits),
      metadata: checkMetadata(options.metadata, this.limits),
      now: this.now(),
    });
  }

  /**
   * Makes erasure physical: the store rewrites its files so that forgotten text leaves freed pages and index files
   * too (docs/governance.md says what each backend keeps until then, and what it locks meanwhile).
   */
  async compact(): Promise<void> {
    if (!this.store.compact)
      throw new StorageError(`${this.store.backend}: this store cannot compact`, { code: 'not_supported' });
    await this.store.compact();
  }

  /**
   * Erases every memory past its expiry, as forget does; returns how many. A memory whose supersession chain is under
   * legal hold is kept: expiry never overrides a hold.
   */
  async purgeExpired(): Promise<number> {
    const now = this.now();
    const stamp = this.stamp('expire', now, undefined, 'expired');
    const held = new Set<string>();
    let total = 0;
    for (;;) {
      // Held memories stay expired and come back first; asking for that many more keeps every round making progress.
      const expired = (await this.store.expired(now, 1000 + held.size)).filter((e) => !held.has(e.id));
      if (expired.length === 0) return total;
      let erased = 0;
      for (const [bankId, rows] of groupBy(expired, (e) => e.bankId)) {
        const free: string[] = [];
        for (const candidate of await chainsOf(
          this.store,
          bankId,
          rows.map((r) => r.id),
        )) {
          if (this.governance.legalHold(candidate.chain)) held.add(candidate.memoryId);
          else free.push(candidate.memoryId);
        }
        erased += free.length > 0 ? (await this.store.erase(bankId, free, stamp)).length : 0;
      }
      total += erased;
      // Guards against a store that reports rows it cannot erase, which would loop forever.
      if (erased === 0 && expired.every((e) => !held.has(e.id))) return total;
    }
  }

  /** Closes the store (and the client it opened, not one passed in). */
  async close(): Promise<void> {
    await this.store.close();
  }

  // A memory can be replaced while it is live, and, when its supersession chain is under legal hold, only with an
  // override.
  private async checkReplaceable(bankId: string, memoryId: string, override: boolean): Promise<void> {
    const [live] = await this.store.get(bankId, [memoryId]);
    if (!live) throw new NotFoundError(`supersedes: no memory ${memoryId} in bank ${bankId}`);
    const [target] = await chainsOf(this.store, bankId, [memoryId]);
    const hold = this.governance.legalHold(target?.chain ?? []);
    if (hold && !override) {
      const where = hold.memoryId === memoryId ? '' : ` (on memory ${hold.memoryId} of its supersession chain)`;
      throw new PolicyError(
        `supersedes: memory ${memoryId} is under legal hold, tag "${hold.tag}"${where}; retain with overrideLegalHold: true and a reason to replace it`,
        { details: { memoryId, heldMemoryId: hold.memoryId, tag: hold.tag } },
      );
    }
  }

  private validateItem(
    content: unknown,
    options: RetainOptions,
    prefix: string,
    contentField = 'content',
  ): Omit<ValidatedItem, 'speaker' | 'episodeId'> {
    if (typeof options !== 'object' || options === null)
      throw new ValidationError('options', 'must be an object with bankId');
    const supersedes =
      options.supersedes === undefined ? null : (checkIds([options.supersedes], `${prefix}supersedes`)[0] as string);
    return {
      content: checkContent(content, this.limits, `${prefix}${contentField}`),
      bankId: checkBankId(options.bankId),
      tags: checkTags(options.tags, this.limits, `${prefix}tags`),
      metadata: checkMetadata(options.metadata, this.limits, `${prefix}metadata`),
      path: checkPath(options.path, this.limits, `${prefix}path`),
      occurredAt: checkDate(options.occurredAt, `${prefix}occurredAt`),
      expiresAt: checkDate(options.expiresAt, `${prefix}expiresAt`),
      supersedes,
    };
  }

  // Governs, chunks, embeds and inserts validated items; one embedding batch and one store transaction for all. The
  // per-item work yields to the event loop as it goes (TimeSlicer), so a large batch does not stall a server.
  private async persist(
    items: ValidatedItem[],
    context: AstrocyteContext | undefined,
    reason?: string,
  ): Promise<RetainResult[]> {
    const now = this.now();
    const slicer = new TimeSlicer();
    const plans: RetainPlan[] = [];
    for (const item of items) {
      const plan = this.governance.prepareRetain({
        content: item.content,
        bankId: item.bankId,
        tags: item.tags,
        metadata: item.metadata,
        path: item.path,
        speaker: item.speaker,
        expiresAt: item.expiresAt,
        now,
      });
      // The store replaces a memory within one bank; a routed correction would leave the original live elsewhere.
      if (item.supersedes !== null && plan.kind === 'store' && plan.bankId !== item.bankId) {
        throw new PolicyError(
          `supersedes: a rule routed this memory to bank ${plan.bankId}, but the memory it replaces is in bank ${item.bankId}`,
        );
      }
      plans.push(plan);
      await slicer.tick();
    }
    // Each storable item becomes one record, or one per chunk of a long text; `records[j]` belongs to `owner[j]`.
    const records: MemoryRecord[] = [];
    const owner: number[] = [];
    const pieces: string[] = [];
    for (const [index, plan] of plans.entries()) {
      if (plan.kind !== 'store') continue;
      const item = items[index] as ValidatedItem;
      const chunks =
        plan.content.length > this.limits.chunkSize ? chunkText(plan.content, this.limits.chunkSize) : [plan.content];
      const documentId = chunks.length > 1 ? newMemoryId(now.getTime()) : null;
      chunks.forEach((text, c) => {
        const versions: VersionStamp[] = [this.stamp('create', now, context, reason)];
        if (plan.redacted.length > 0)
          versions.push(this.stamp('redact', now, context, `redacted ${plan.redacted.join(', ')}`));
        records.push({
          id: c === 0 && documentId ? documentId : newMemoryId(now.getTime()),
          bankId: plan.bankId,
          text,
          contentHash: contentHash(text, {
            occurredAt: item.occurredAt,
            speaker: plan.speaker,
            episodeId: item.episodeId,
          }),
          embedding: new Float32Array(0),
          tags: plan.tags,
          metadata: plan.metadata,
          path: plan.path,
          createdAt: now,
          occurredAt: item.occurredAt,
          expiresAt: plan.expiresAt,
          // A long correction replaces the old memory with its first chunk; the rest follow in its episode.
          supersedes: c === 0 ? item.supersedes : null,
          speaker: plan.speaker,
          episodeId: item.episodeId ?? documentId,
          documentId,
          versions,
        });
        owner.push(index);
        pieces.push(speakerLine(plan.speaker, text));
      });
      await slicer.tick();
    }
    const vectors = records.length > 0 ? await this.embedder.embed(pieces, { purpose: 'document' }) : [];
    records.forEach((record, i) => {
      record.embedding = vectors[i] as Float32Array;
    });
    const outcomes: InsertOutcome[] =
      records.length > 0
        ? await this.store.insert(records, { nearDuplicateThreshold: this.nearThreshold, maxTags: this.limits.maxTags })
        : [];
    const outcomesOf = groupBy(
      outcomes.map((outcome, j) => ({ outcome, owner: owner[j] as number })),
      (o) => o.owner,
    );
    return plans.map((plan, index) => {
      const result: RetainResult = {
        stored: false,
        memoryId: null,
        deduplicated: false,
        ...(plan.redacted.length > 0 ? { redacted: plan.redacted } : {}),
        ...(plan.kind === 'store' && plan.warned.length > 0 ? { warned: plan.warned } : {}),
        ...(plan.kind === 'reject' ? { reason: plan.reason } : {}),
      };
      if (plan.kind !== 'store') return result;
      if (plan.bankId !== (items[index] as ValidatedItem).bankId) result.bankId = plan.bankId;
      const mine = (outcomesOf.get(index) ?? []).map((o) => o.outcome);
      const ids = mine.map((o) => (o.status === 'stored' ? o.id : o.duplicateOf));
      result.memoryId = ids[0] ?? null;
      result.stored = mine.some((o) => o.status === 'stored');
      if (mine.length > 1) result.chunkIds = ids;
      const first = mine[0];
      if (!result.stored && first?.status === 'duplicate') {
        result.deduplicated = true;
        result.duplicateOf = first.duplicateOf;
        result.reason =
          first.match === 'exact'
            ? 'the same content is already in memory'
            : `a memory ${Math.round(first.similarity * 100)}% similar is already in memory`;
        const added = [...new Set(mine.flatMap((o) => (o.status === 'duplicate' ? o.addedTags : [])))];
        if (added.length > 0) result.mergedTags = added;
      }
      return result;
    });
  }

  private async load(refs: { id: string; bankId: string }[]): Promise<Map<string, Memory>> {
    const byBank = groupBy(refs, (r) => r.bankId);
    const loaded = await Promise.all(
      [...byBank].map(([bankId, rows]) =>
        this.store.get(
          bankId,
          rows.map((r) => r.id),
        ),
      ),
    );
    return new Map(loaded.flat().map((m) => [`${m.bankId}\u0000${m.id}`, m]));
  }

  private toHit(memory: Memory, score: number): MemoryHit {
    return {
      memoryId: memory.id,
      bankId: memory.bankId,
      text: this.governance.scanOutput(memory.text),
      score,
      tags: memory.tags,
      metadata: memory.metadata,
      ...(memory.path ? { path: memory.path } : {}),
      createdAt: memory.createdAt,
      ...(memory.occurredAt ? { occurredAt: memory.occurredAt } : {}),
      ...(memory.speaker ? { speaker: memory.speaker } : {}),
      ...(memory.episode ? { episode: memory.episode } : {}),
      ...(memory.documentId ? { documentId: memory.documentId } : {}),
    };
  }

  // Version rows outlive erasure (the tombstone), so the free text in them goes through the PII barrier.
  private stamp(
    action: VersionStamp['action'],
    at: Date,
    context: AstrocyteContext | undefined,
    reason?: string,
  ): VersionStamp {
    if (context?.actor !== undefined && typeof context.actor !== 'string')
      throw new ValidationError('context.actor', `must be a string, got ${typeof context.actor}`);
    const actor = context?.actor
      ? this.governance.redactFreeText(checkCharacters(context.actor, 'context.actor'))
      : undefined;
    return {
      action,
      at,
      ...(actor ? { actor } : {}),
      ...(reason ? { reason: this.governance.redactFreeText(reason) } : {}),
    };
  }
}

// Memory ids are opaque strings chosen by the store; only their shape is checked here.
function checkIds(ids: unknown, field = 'memoryIds'): string[] {
  if (!Array.isArray(ids)) throw new ValidationError(field, 'must be an array of memory ids');
  if (ids.length > 10_000) throw new ValidationError(field, 'at most 10,000 ids per call');
  return ids.map((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
      throw new ValidationError(
        `${field}[${i}]`,
        `must be a memory id string, got ${JSON.stringify(id)?.slice(0, 80)}`,
      );
    }
    return id;
  });
}
