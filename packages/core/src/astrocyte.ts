import { groupBy } from './collections.js';
import type { Embedder } from './embedders/embedder.js';
import { NotFoundError, PolicyError, ValidationError } from './errors.js';
import { Governance, type RetainPlan } from './governance/governance.js';
import type { LLM } from './llm/llm.js';
import { newMemoryId } from './memory-id.js';
import type { InsertOutcome, MemoryRecord, MemoryStore, SearchFilter, VersionStamp } from './memory-store.js';
import { fuseRankings, recencyFactor } from './recall/fuse.js';
import { extractiveAnswer } from './reflect.js';
import { contentHash, searchTerms } from './text.js';
import type {
  AstrocyteContext,
  BankSummary,
  Brain,
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
  RetainManyItem,
  RetainOptions,
  RetainResult,
  RuleDecision,
} from './types.js';
import {
  checkBankId,
  checkContent,
  checkDate,
  checkInteger,
  checkMetadata,
  checkPath,
  checkQuery,
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
  recall?: { maxResults?: number; recencyHalfLifeDays?: number | null };
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
}

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
  private readonly defaultMaxSources: number;
  private readonly maxPromptTokens: number;
  private readonly now: () => Date;

  private constructor(options: AstrocyteOptions) {
    this.store = options.store;
    this.embedder = options.embedder;
    this.llm = options.llm;
    this.governance = options.governance ?? new Governance();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const threshold = options.dedup?.nearThreshold ?? 0.95;
    if (!(threshold > 0 && threshold <= 1)) throw new ValidationError('dedup.nearThreshold', 'must be in (0, 1]');
    this.nearThreshold = options.dedup?.action === 'keep' ? null : threshold;
    this.defaultMaxResults = checkInteger(
      options.recall?.maxResults,
      'recall.maxResults',
      1,
      this.limits.maxResults,
      10,
    );
    this.recencyHalfLifeDays = options.recall?.recencyHalfLifeDays ?? null;
    this.defaultMaxSources = checkInteger(options.reflect?.maxSources, 'reflect.maxSources', 1, 50, 5);
    this.maxPromptTokens = checkInteger(
      options.reflect?.maxPromptTokens,
      'reflect.maxPromptTokens',
      256,
      200_000,
      4000,
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

  /** Stores one memory, unless governance rejects it or it duplicates one already in the bank. */
  async retain(content: string, options: RetainOptions): Promise<RetainResult> {
    const item = this.validateItem(content, options, '');
    if (item.supersedes !== null) {
      const [target] = await this.store.get(item.bankId, [item.supersedes]);
      if (!target) throw new NotFoundError(`supersedes: no memory ${item.supersedes} in bank ${item.bankId}`);
    }
    const [result] = await this.persist([item], options.context);
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
    const validated = items.map((item, i) => {
      if (typeof item !== 'object' || item === null) throw new ValidationError(`items[${i}]`, 'must be an object');
      return this.validateItem(item.content, { ...item, bankId }, `items[${i}].`);
    });
    return this.persist(validated, options.context);
  }

  /** Finds the memories most relevant to `query`: vector and keyword search fused by reciprocal rank. */
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
    if (typeof minScore !== 'number' || minScore < 0 || minScore > 1)
      throw new ValidationError('minScore', 'must be a number in [0, 1]');
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

    // A wider pool than asked for gives fusion room to promote what both searches agree on.
    const pool = Math.min(200, Math.max(40, maxResults * 4));
    const [queryVector] = await this.embedder.embed([query], { purpose: 'query' });
    const terms = searchTerms(query);
    const [byVector, byKeyword] = await Promise.all([
      this.store.vectorSearch(bankIds, queryVector as Float32Array, pool, filter),
      terms.length > 0 ? this.store.keywordSearch(bankIds, terms, pool, filter) : Promise.resolve([]),
    ]);
    const fused = fuseRankings([byVector, byKeyword]);
    const loaded = await this.load(fused.filter((c) => !c.memory));
    const hits: MemoryHit[] = [];
    for (const candidate of fused) {
      const memory = candidate.memory ?? loaded.get(`${candidate.bankId}\u0000${candidate.id}`);
      if (!memory) continue;
      const recency = this.recencyHalfLifeDays
        ? recencyFactor(memory.occurredAt ?? memory.createdAt, now, this.recencyHalfLifeDays)
        : 1;
      const score = Math.round(candidate.score * recency * 10_000) / 10_000;
      if (score < minScore) continue;
      hits.push(this.toHit(memory, score));
    }
    hits.sort((a, b) => b.score - a.score);
    return { hits: hits.slice(0, maxResults), totalAvailable: hits.length };
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

  /** Erases memories of one bank selected by ids, tags, age or all, subject to the forget policy. */
  async forget(bankId: string, options: ForgetOptions): Promise<ForgetResult> {
    checkBankId(bankId);
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
    const selectors = (['memoryIds', 'tags', 'before', 'all'] as const).filter(
      (key) => options[key] !== undefined && options[key] !== false,
    );
    if (selectors.length !== 1) {
      throw new ValidationError(
        'options',
        `give exactly one of memoryIds, tags, before or all; got ${selectors.length === 0 ? 'none' : selectors.join(', ')}`,
      );
    }
    const selector = {
      ...(options.memoryIds !== undefined ? { ids: checkIds(options.memoryIds) } : {}),
      ...(options.tags !== undefined ? { tags: checkTags(options.tags, this.limits) } : {}),
      ...(options.before !== undefined ? { before: checkDate(options.before, 'before') as Date } : {}),
      ...(options.all === true ? { all: true } : {}),
    };
    if (selector.tags?.length === 0) throw new ValidationError('tags', 'must name at least one tag');
    const now = this.now();
    const selected = await this.store.select(bankId, selector);
    const verdict = this.governance.checkForget(selected, {
      overrideLegalHold: options.overrideLegalHold,
      reason: options.reason,
      now,
    });
    const erased = await this.store.erase(
      bankId,
      verdict.allowed.map((m) => m.id),
      this.stamp('forget', now, options.context, options.reason),
    );
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

  /** Erases every memory past its expiry, as forget does; returns how many. */
  async purgeExpired(): Promise<number> {
    const now = this.now();
    let total = 0;
    for (;;) {
      const expired = await this.store.expired(now, 1000);
      if (expired.length === 0) return total;
      const byBank = groupBy(expired, (e) => e.bankId);
      let erased = 0;
      for (const [bankId, rows] of byBank) {
        erased += (
          await this.store.erase(
            bankId,
            rows.map((r) => r.id),
            this.stamp('expire', now, undefined, 'expired'),
          )
        ).length;
      }
      total += erased;
      // Guards against a store that reports rows it cannot erase, which would loop forever.
      if (erased === 0) return total;
    }
  }

  /** Closes the store (and the client it opened, not one passed in). */
  async close(): Promise<void> {
    await this.store.close();
  }

  private validateItem(content: unknown, options: RetainOptions, prefix: string): ValidatedItem {
    if (typeof options !== 'object' || options === null)
      throw new ValidationError('options', 'must be an object with bankId');
    const supersedes =
      options.supersedes === undefined ? null : (checkIds([options.supersedes], `${prefix}supersedes`)[0] as string);
    return {
      content: checkContent(content, this.limits, `${prefix}content`),
      bankId: checkBankId(options.bankId),
      tags: checkTags(options.tags, this.limits, `${prefix}tags`),
      metadata: checkMetadata(options.metadata, this.limits, `${prefix}metadata`),
      path: checkPath(options.path, this.limits, `${prefix}path`),
      occurredAt: checkDate(options.occurredAt, `${prefix}occurredAt`),
      expiresAt: checkDate(options.expiresAt, `${prefix}expiresAt`),
      supersedes,
    };
  }

  // Governs, embeds and inserts validated items; one embedding batch and one store transaction for all of them.
  private async persist(items: ValidatedItem[], context: AstrocyteContext | undefined): Promise<RetainResult[]> {
    const now = this.now();
    const plans: RetainPlan[] = items.map((item) =>
      this.governance.prepareRetain({
        content: item.content,
        bankId: item.bankId,
        tags: item.tags,
        metadata: item.metadata,
        path: item.path,
        expiresAt: item.expiresAt,
        now,
      }),
    );
    plans.forEach((plan, i) => {
      const item = items[i] as ValidatedItem;
      // The store replaces a memory within one bank; a routed correction would leave the original live elsewhere.
      if (item.supersedes !== null && plan.kind === 'store' && plan.bankId !== item.bankId) {
        throw new PolicyError(
          `supersedes: a rule routed this memory to bank ${plan.bankId}, but the memory it replaces is in bank ${item.bankId}`,
        );
      }
    });
    const storable = plans.flatMap((plan, i) =>
      plan.kind === 'store' ? [{ plan, item: items[i] as ValidatedItem, index: i }] : [],
    );
    const vectors =
      storable.length > 0
        ? await this.embedder.embed(
            storable.map((s) => s.plan.content),
            { purpose: 'document' },
          )
        : [];
    const records: MemoryRecord[] = storable.map(({ plan, item }, i) => {
      const versions: VersionStamp[] = [this.stamp('create', now, context)];
      if (plan.redacted.length > 0)
        versions.push(this.stamp('redact', now, context, `redacted ${plan.redacted.join(', ')}`));
      return {
        id: newMemoryId(now.getTime()),
        bankId: plan.bankId,
        text: plan.content,
        contentHash: contentHash(plan.content),
        embedding: vectors[i] as Float32Array,
        tags: plan.tags,
        metadata: plan.metadata,
        path: plan.path,
        createdAt: now,
        occurredAt: item.occurredAt,
        expiresAt: plan.expiresAt,
        supersedes: item.supersedes,
        versions,
      };
    });
    const outcomes: InsertOutcome[] =
      records.length > 0 ? await this.store.insert(records, { nearDuplicateThreshold: this.nearThreshold }) : [];
    const results: RetainResult[] = plans.map((plan) => ({
      stored: false,
      memoryId: null,
      deduplicated: false,
      ...(plan.redacted.length > 0 ? { redacted: plan.redacted } : {}),
      ...(plan.kind === 'store' && plan.warned.length > 0 ? { warned: plan.warned } : {}),
      ...(plan.kind === 'reject' ? { reason: plan.reason } : {}),
    }));
    storable.forEach(({ plan, item, index }, i) => {
      const outcome = outcomes[i] as InsertOutcome;
      const result = results[index] as RetainResult;
      if (plan.kind === 'store' && plan.bankId !== item.bankId) result.bankId = plan.bankId;
      if (outcome.status === 'stored') {
        result.stored = true;
        result.memoryId = outcome.id;
      } else {
        result.deduplicated = true;
        result.memoryId = outcome.duplicateOf;
        result.duplicateOf = outcome.duplicateOf;
        result.reason =
          outcome.match === 'exact'
            ? 'the same content is already in memory'
            : `a memory ${Math.round(outcome.similarity * 100)}% similar is already in memory`;
      }
    });
    return results;
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
    };
  }

  // Version rows outlive erasure (the tombstone), so the free text in them goes through the PII barrier.
  private stamp(
    action: VersionStamp['action'],
    at: Date,
    context: AstrocyteContext | undefined,
    reason?: string,
  ): VersionStamp {
    const actor = context?.actor ? this.governance.redactFreeText(context.actor) : undefined;
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
