import { BrainObserver, type ErasureReport } from './brain-observer.js';
import { groupBy } from './collections.js';
import { DEFAULTS } from './defaults.js';
import type { Embedder } from './embedders/embedder.js';
import { SwitchableEmbedder } from './embedders/switchable-embedder.js';
import { NotFoundError, StorageError, ValidationError } from './errors.js';
import { chainsOf, forgetCandidates } from './forget-candidates.js';
import { checkOverride } from './governance/forget-policy.js';
import { Governance } from './governance/governance.js';
import { checkHealth } from './health/check-health.js';
import { FailureLog } from './health/failure-log.js';
import type { HealthReport } from './health/health-report.js';
import { HookBus } from './hooks/hook-bus.js';
import type { HookEventName, HookListener, ListenerErrorHandler } from './hooks/hook-events.js';
import type { LLM } from './llm/llm.js';
import type { MemoryStore } from './memory-store.js';
import { RecallPipeline } from './recall/recall-pipeline.js';
import { defaultVectorWeight, type RecallTuning } from './recall/recall-tuning.js';
import type { ReembedOptions, ReembedResult } from './reembed/reembed-types.js';
import { reembeddingOf, runReembed } from './reembed/run-reembed.js';
import type { ReembedState } from './reembed/store-reembedding.js';
import { extractiveAnswer } from './reflect.js';
import { RetainPipeline } from './retain/retain-pipeline.js';
import { traceEmbedder, traceLlm, traceStore } from './telemetry/traced-parts.js';
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
  checkContent,
  checkDate,
  checkInteger,
  checkMemoryIds,
  checkMetadata,
  checkPath,
  checkReason,
  checkTags,
  DEFAULT_LIMITS,
  type Limits,
} from './validation.js';
import { versionStamp } from './version-stamp.js';

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
  /**
   * `includeText` puts memory text, queries and forget reasons in hook events (default false); `onListenerError`
   * receives every error a listener throws or rejects with (default: console.warn, once per listener).
   */
  hooks?: { includeText?: boolean; onListenerError?: ListenerErrorHandler };
}

/** The Brain: a pipeline of validation, governance, dedup, embedding and hybrid search over a MemoryStore. */
export class Astrocyte implements Brain {
  readonly store: MemoryStore;
  /** The embedder recall and retain use now: a re-embedding replaces the one the brain was built with. */
  readonly embedder: Embedder;
  readonly llm: LLM | undefined;
  readonly governance: Governance;
  readonly limits: Limits;
  private readonly retainPipeline: RetainPipeline;
  private readonly recallPipeline: RecallPipeline;
  private readonly defaultMaxSources: number;
  private readonly maxPromptTokens: number;
  private readonly now: () => Date;
  private readonly switchable: SwitchableEmbedder;
  // The last failure of an operation, for health().
  private readonly failures: FailureLog;
  private readonly hooks: HookBus;
  // Spans, metrics and hook events of each operation.
  private readonly observer: BrainObserver;

  private constructor(options: AstrocyteOptions) {
    // Store, embedder and LLM calls become child spans of the operation that makes them.
    this.store = traceStore(options.store);
    this.switchable = new SwitchableEmbedder(options.embedder);
    this.embedder = traceEmbedder(this.switchable);
    this.llm = options.llm && traceLlm(options.llm);
    this.governance = options.governance ?? new Governance();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const threshold = options.dedup?.nearThreshold ?? DEFAULTS.dedup.nearThreshold;
    if (!(threshold > 0 && threshold <= 1)) throw new ValidationError('dedup.nearThreshold', 'must be in (0, 1]');
    const nearThreshold = options.dedup?.action === 'keep' ? null : threshold;
    const maxResults = checkInteger(
      options.recall?.maxResults,
      'recall.maxResults',
      1,
      this.limits.maxResults,
      DEFAULTS.recall.maxResults,
    );
    const recencyHalfLifeDays = options.recall?.recencyHalfLifeDays ?? null;
    const vectorWeight = options.recall?.vectorWeight;
    if (vectorWeight !== undefined && !(vectorWeight >= 0 && vectorWeight <= 1))
      throw new ValidationError('recall.vectorWeight', 'must be in [0, 1]');
    const embedder = this.switchable;
    const tuning: RecallTuning = {
      // Unset, the weight follows the embedder, which a re-embedding may replace.
      get vectorWeight() {
        return vectorWeight ?? defaultVectorWeight(embedder);
      },
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
    this.failures = new FailureLog(this.now);
    const { includeText = false, onListenerError } = options.hooks ?? {};
    if (typeof includeText !== 'boolean') throw new ValidationError('hooks.includeText', 'must be true or false');
    if (onListenerError !== undefined && typeof onListenerError !== 'function')
      throw new ValidationError('hooks.onListenerError', 'must be a function');
    this.hooks = new HookBus(onListenerError);
    this.observer = new BrainObserver({ backend: this.store.backend, hooks: this.hooks, includeText, now: this.now });
    const parts = { store: this.store, embedder: this.embedder, governance: this.governance, limits: this.limits };
    this.retainPipeline = new RetainPipeline({ ...parts, nearThreshold, now: this.now });
    this.recallPipeline = new RecallPipeline({ ...parts, tuning, maxResults, recencyHalfLifeDays, now: this.now });
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
  retain(content: string, options: RetainOptions): Promise<RetainResult> {
    return this.failures.track('retain', () =>
      this.observer.retain('retain', options, (report) => this.retainPipeline.retain(content, options, report)),
    );
  }

  /** Stores many memories into one bank with one embedding batch and one transaction. */
  retainMany(
    items: RetainManyItem[],
    options: { bankId: string; context?: AstrocyteContext },
  ): Promise<RetainResult[]> {
    return this.failures.track('retainMany', () =>
      this.observer.retain('retain_many', options, (report) => this.retainPipeline.retainMany(items, options, report)),
    );
  }

  /** Stores a conversation, one memory per turn, as an ordered episode of `sessionId` (appended to if it exists). */
  retainConversation(turns: ConversationTurn[], options: RetainConversationOptions): Promise<RetainResult[]> {
    return this.failures.track('retainConversation', () =>
      this.observer.retain('retain_conversation', options, (report) =>
        this.retainPipeline.retainConversation(turns, options, report),
      ),
    );
  }

  /**
   * Finds the memories most relevant to `query`: keyword search (text, speaker, date and episode neighbours), a
   * second keyword search with words the best hits share when `feedbackTerms` is set, and vector search, fused by
   * weighted normalized scores.
   */
  recall(query: string, options: RecallOptions): Promise<RecallResult> {
    return this.failures.track('recall', () =>
      this.observer.recall(query, options, () => this.recallPipeline.recall(query, options)),
    );
  }

  /** Answers `query` from memory: written by the LLM when one is configured, else extractive. */
  reflect(query: string, options: ReflectOptions): Promise<ReflectResult> {
    return this.failures.track('reflect', () => this.observer.reflect(options, () => this.answer(query, options)));
  }

  private async answer(query: string, options: ReflectOptions): Promise<ReflectResult> {
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
  forget(bankId: string, options: ForgetOptions): Promise<ForgetResult> {
    return this.failures.track('forget', () =>
      this.observer.forget(bankId, options, (report) => this.forgetSelected(bankId, options, report)),
    );
  }

  private async forgetSelected(bankId: string, options: ForgetOptions, report: ErasureReport): Promise<ForgetResult> {
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
      ...(options.memoryIds !== undefined ? { ids: checkMemoryIds(options.memoryIds) } : {}),
      ...(options.tags !== undefined ? { tags: checkTags(options.tags, this.limits) } : {}),
      ...(options.before !== undefined ? { before: checkDate(options.before, 'before') as Date } : {}),
      ...(options.all === true ? { all: true } : {}),
    };
    if (selector.tags?.length === 0) throw new ValidationError('tags', 'must name at least one tag');
    const now = this.now();
    const stamp = versionStamp(this.governance, 'forget', now, options.context, reason);
    const candidates = await forgetCandidates(this.store, bankId, selector);
    const verdict = this.governance.checkForget(candidates, { overrideLegalHold, now });
    const erased = await this.store.erase(bankId, verdict.allowed, stamp);
    report(bankId, erased, verdict.skipped);
    return { deletedCount: erased.length, ...(verdict.skipped.length > 0 ? { skipped: verdict.skipped } : {}) };
  }

  /** A memory's versions, oldest first; throws NotFoundError for an id the bank never held. */
  async history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    checkBankId(bankId);
    const [id] = checkMemoryIds([memoryId], 'memoryId');
    const versions = await this.failures.track('history', () => this.store.history(bankId, id as string));
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
    return this.failures.track('list', () =>
      this.store.list(bankId, {
        limit,
        ...(tags.length > 0 ? { tags } : {}),
        ...(pathPrefix !== null ? { pathPrefix } : {}),
        ...(options.cursor ? { cursor: options.cursor } : {}),
      }),
    );
  }

  /** Every bank with live memories, and how many each holds. */
  async banks(): Promise<BankSummary[]> {
    return this.failures.track('banks', () => this.store.banks());
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
    const compact = this.store.compact.bind(this.store);
    await this.failures.track('compact', compact);
  }

  /**
   * Erases every memory past its expiry, as forget does; returns how many. A memory whose supersession chain is under
   * legal hold is kept: expiry never overrides a hold.
   */
  purgeExpired(): Promise<number> {
    return this.failures.track('purgeExpired', () => this.observer.purgeExpired((report) => this.eraseExpired(report)));
  }

  /**
   * Reports whether the store answers and holds the configured embedder's vectors, the counts of memories and banks,
   * the store's engine, vector extension and schema versions, and the last failure of an operation; never throws for
   * a sick store, it reports.
   */
  health(): Promise<HealthReport> {
    return checkHealth({ store: this.store, embedder: this.embedder, lastError: this.failures.last, now: this.now() });
  }

  private async eraseExpired(report: ErasureReport): Promise<number> {
    const now = this.now();
    const stamp = versionStamp(this.governance, 'expire', now, undefined, 'expired');
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
        if (free.length === 0) continue;
        const ids = await this.store.erase(bankId, free, stamp);
        report(bankId, ids, []);
        erased += ids.length;
      }
      total += erased;
      // Guards against a store that reports rows it cannot erase, which would loop forever.
      if (erased === 0 && expired.every((e) => !held.has(e.id))) return total;
    }
  }

  /**
   * Calls `listener` with each `name` event once its operation committed: `retain`, `reject`, `redact`, `recall`,
   * `forget` (docs/operations.md lists their fields). Returns the function that removes the listener. A listener's
   * failure never fails the operation (see `hooks.onListenerError`).
   */
  on<E extends HookEventName>(name: E, listener: HookListener<E>): () => void {
    return this.hooks.on(name, listener);
  }

  /** Removes a listener added with `on`; true when it was listening. */
  off<E extends HookEventName>(name: E, listener: HookListener<E>): boolean {
    return this.hooks.off(name, listener);
  }

  /**
   * Re-embeds every memory of every bank with the model `to` names (an `embedding:` section as in astrocyte.yaml):
   * new vectors are computed in batches and staged in the store, resumably, while recall keeps using the old ones;
   * then the store switches to them in one transaction and this brain embeds with the new model. The config must
   * name it from then on. See docs/operations.md, Re-embedding.
   */
  async reembed(options: ReembedOptions): Promise<ReembedResult> {
    const { embedderFor } = await import('./reembed/reembed-target.js');
    const next = await embedderFor(options?.to);
    const result = await runReembed(this.store, next, options);
    this.switchable.use(next);
    return result;
  }

  /** The store's embedder and the re-embedding in progress in it, if any, with how many vectors it has staged. */
  reembedStatus(): Promise<ReembedState> {
    return reembeddingOf(this.store).state();
  }

  /** Drops the re-embedding in progress and its staged vectors; the store keeps its embedder and vectors. */
  cancelReembed(): Promise<void> {
    return reembeddingOf(this.store).cancel();
  }

  /** Closes the store (and the client it opened, not one passed in). */
  async close(): Promise<void> {
    await this.store.close();
  }
}
