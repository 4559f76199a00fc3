import { AccessGate, OPERATIONS } from './access/access-gate.js';
import type { AccessOptions, AuditEntry, AuditQuery } from './access/access-types.js';
import { BrainObserver } from './brain-observer.js';
import { type BrainSettings, checkBrainSettings } from './brain-settings.js';
import type { Embedder } from './embedders/embedder.js';
import { SwitchableEmbedder } from './embedders/switchable-embedder.js';
import { NotFoundError, StorageError, ValidationError } from './errors.js';
import { ForgetPipeline } from './forget-pipeline.js';
import { Governance } from './governance/governance.js';
import { checkHealth } from './health/check-health.js';
import { FailureLog } from './health/failure-log.js';
import type { HealthReport } from './health/health-report.js';
import { HookBus } from './hooks/hook-bus.js';
import type { HookEventName, HookListener, ListenerErrorHandler } from './hooks/hook-events.js';
import type { LLM } from './llm/llm.js';
import type { MemoryStore } from './memory-store.js';
import { OPTION_KEYS } from './option-keys.js';
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
  checkInteger,
  checkKnownKeys,
  checkMemoryId,
  checkMetadata,
  checkPath,
  checkTagFilter,
  checkTags,
  describeValue,
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
  /**
   * `includeText` puts memory text, queries and forget reasons in hook events (default false); `onListenerError`
   * receives every error a listener throws or rejects with (default: console.warn, once per listener).
   */
  hooks?: { includeText?: boolean; onListenerError?: ListenerErrorHandler };
  /**
   * Grants, quotas and rate limits (docs/access.md). With them, every operation needs a `context.principal` granted
   * its permission, and the store must keep an access ledger; without them, nothing is checked, counted or audited.
   */
  access?: AccessOptions;
}

// What an admin operation on the whole store checks: no bank, a grant of `*`.
const STORE_WIDE = () => null;

/** The Brain: a pipeline of validation, governance, dedup, embedding and hybrid search over a MemoryStore. */
export class Astrocyte implements Brain {
  readonly store: MemoryStore;
  /** The embedder recall and retain use now: a re-embedding replaces the one the brain was built with. */
  readonly embedder: Embedder;
  readonly llm: LLM | undefined;
  readonly governance: Governance;
  readonly limits: Limits;
  readonly legalHoldTags: readonly string[];
  private readonly retainPipeline: RetainPipeline;
  private readonly forgetPipeline: ForgetPipeline;
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
  // Grants, rate limits, quotas and the audit log; lets everything through when access is not configured.
  private readonly gate: AccessGate;

  private constructor(options: AstrocyteOptions) {
    const settings = checkBrainOptions(options);
    // Store, embedder and LLM calls become child spans of the operation that makes them.
    this.store = traceStore(options.store);
    this.switchable = new SwitchableEmbedder(options.embedder);
    this.embedder = traceEmbedder(this.switchable);
    this.llm = options.llm && traceLlm(options.llm);
    this.governance = options.governance ?? new Governance();
    this.legalHoldTags = this.governance.forgetPolicy.legalHoldTags;
    this.limits = settings.limits;
    const { vectorWeight, feedbackTerms, repeatFactor, speakerBoost } = settings;
    const embedder = this.switchable;
    const tuning: RecallTuning = {
      // Unset, the weight follows the embedder, which a re-embedding may replace.
      get vectorWeight() {
        return vectorWeight ?? defaultVectorWeight(embedder);
      },
      feedbackTerms,
      repeatFactor,
      speakerBoost,
    };
    this.defaultMaxSources = settings.maxSources;
    this.maxPromptTokens = settings.maxPromptTokens;
    this.now = options.now ?? (() => new Date());
    this.failures = new FailureLog(this.now);
    this.hooks = new HookBus(settings.onListenerError);
    this.observer = new BrainObserver({
      backend: this.store.backend,
      hooks: this.hooks,
      includeText: settings.includeText,
      now: this.now,
    });
    this.gate = AccessGate.over(this.store, settings.access, this.now);
    const parts = { store: this.store, embedder: this.embedder, governance: this.governance, limits: this.limits };
    const { nearThreshold, maxResults, recencyHalfLifeDays } = settings;
    this.retainPipeline = new RetainPipeline({
      ...parts,
      nearThreshold,
      now: this.now,
      embedderReplacedSince: (used) => this.switchable.replacedSince(used),
    });
    this.recallPipeline = new RecallPipeline({ ...parts, tuning, maxResults, recencyHalfLifeDays, now: this.now });
    this.forgetPipeline = new ForgetPipeline({ ...parts, gate: this.gate, now: this.now });
  }

  /** Builds a brain and checks that the store was written by the same embedder. */
  static async create(options: AstrocyteOptions): Promise<Astrocyte> {
    // Built first: bad options are refused before the store records anything.
    const brain = new Astrocyte(options);
    await options.store.ensureEmbedder({ name: options.embedder.name, dimensions: options.embedder.dimensions });
    return brain;
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
      this.observer.retain('retain', options, async (report) =>
        this.retainPipeline.retain(content, options, report, await this.gate.admitRetain(OPERATIONS.retain, options)),
      ),
    );
  }

  /** Stores many memories into one bank with one embedding batch and one transaction. */
  retainMany(
    items: RetainManyItem[],
    options: { bankId: string; context?: AstrocyteContext },
  ): Promise<RetainResult[]> {
    return this.failures.track('retainMany', () =>
      this.observer.retain('retain_many', options, async (report) =>
        this.retainPipeline.retainMany(
          items,
          options,
          report,
          await this.gate.admitRetain(OPERATIONS.retainMany, options),
        ),
      ),
    );
  }

  /** Stores a conversation, one memory per turn, as an ordered episode of `sessionId` (appended to if it exists). */
  retainConversation(turns: ConversationTurn[], options: RetainConversationOptions): Promise<RetainResult[]> {
    return this.failures.track('retainConversation', () =>
      this.observer.retain('retain_conversation', options, async (report) =>
        this.retainPipeline.retainConversation(
          turns,
          options,
          report,
          await this.gate.admitRetain(OPERATIONS.retainConversation, options),
        ),
      ),
    );
  }

  /**
   * Finds the memories most relevant to `query`: keyword search (text, speaker, date and episode neighbours), a
   * second keyword search with words the best hits share when `feedbackTerms` is set, and vector search, fused by
   * weighted normalized scores; a hit said by a speaker the query names counts more (`speakerBoost`), and a hit that
   * mostly repeats a better hit's words is demoted (`repeatFactor`).
   */
  recall(query: string, options: RecallOptions): Promise<RecallResult> {
    return this.search(query, options, () => {
      checkKnownKeys(options, OPTION_KEYS.recall, '', 'an option of recall');
      return this.gate.admit(OPERATIONS.recall, () => resolveBanks(options ?? {}), options?.context);
    });
  }

  // A recall, reported as one; reflect's has been admitted as the reflect.
  private search(query: string, options: RecallOptions, admit?: () => Promise<unknown>): Promise<RecallResult> {
    return this.failures.track('recall', () =>
      this.observer.recall(query, options, async () => {
        await admit?.();
        return this.recallPipeline.recall(query, options);
      }),
    );
  }

  /** Answers `query` from memory: written by the LLM when one is configured, else extractive. */
  reflect(query: string, options: ReflectOptions): Promise<ReflectResult> {
    return this.failures.track('reflect', () =>
      this.observer.reflect(options, async () => {
        checkKnownKeys(options, OPTION_KEYS.reflect, '', 'an option of reflect');
        await this.gate.admit(OPERATIONS.reflect, () => resolveBanks(options ?? {}), options?.context);
        return this.answer(query, options);
      }),
    );
  }

  private async answer(query: string, options: ReflectOptions): Promise<ReflectResult> {
    const maxSources = checkInteger(options?.maxSources, 'maxSources', 1, 50, this.defaultMaxSources);
    const { hits } = await this.search(query, { ...options, maxResults: maxSources });
    // The answer draws on every bank searched: a type is masked unless every one of them has it off.
    const banks = resolveBanks(options);
    if (!this.llm || hits.length === 0) {
      const answer = this.governance.scanOutput(extractiveAnswer(query, hits), banks);
      return { answer, sources: hits, mode: 'extractive' };
    }
    const { reflectWithLlm } = await import('./llm/reflect-with-llm.js');
    const { answer, sources } = await reflectWithLlm(this.llm, query, hits, { maxPromptTokens: this.maxPromptTokens });
    return { answer: this.governance.scanOutput(answer, banks), sources, mode: 'llm' };
  }

  /**
   * Erases memories of one bank selected by ids, tags, age or all, subject to the forget policy. Superseded memories
   * are selected too (by id, by the tags they carried, by age): forgetting any memory erases its text and the text of
   * every memory it replaced, and a legal hold on any memory of its supersession chain keeps it.
   */
  forget(bankId: string, options: ForgetOptions): Promise<ForgetResult> {
    return this.failures.track('forget', () =>
      this.observer.forget(bankId, options, (report) => this.forgetPipeline.forget(bankId, options, report)),
    );
  }

  /** A memory's versions, oldest first; throws NotFoundError for an id the bank never held. */
  async history(
    bankId: string,
    memoryId: string,
    options: { context?: AstrocyteContext } = {},
  ): Promise<MemoryVersion[]> {
    checkBankId(bankId);
    const id = checkMemoryId(memoryId);
    checkKnownKeys(options, OPTION_KEYS.contextOnly, '', 'an option of history');
    await this.gate.admit(OPERATIONS.history, () => [bankId], options?.context);
    const versions = await this.failures.track('history', () => this.store.history(bankId, id));
    if (versions.length === 0)
      throw new NotFoundError(`no memory ${memoryId} in bank ${bankId}`, { details: { memoryId: id } });
    return versions;
  }

  /** A page of a bank's live memories, oldest first. */
  async list(bankId: string, options: ListOptions = {}): Promise<Page<Memory>> {
    checkBankId(bankId);
    if (typeof options !== 'object' || options === null)
      throw new ValidationError('options', `must be an object, got ${options === null ? 'null' : typeof options}`);
    checkKnownKeys(options, OPTION_KEYS.list, '', 'an option of list');
    const limit = checkInteger(options.limit, 'limit', 1, 1000, 50);
    const tags = checkTagFilter(options.tags, this.limits);
    this.governance.checkTagSelector(tags, [bankId]);
    const pathPrefix = checkPath(options.pathPrefix, this.limits, 'pathPrefix');
    if (options.cursor !== undefined && typeof options.cursor !== 'string')
      throw new ValidationError('cursor', 'must be a string');
    await this.gate.admit(OPERATIONS.list, () => [bankId], options.context);
    return this.failures.track('list', () =>
      this.store.list(bankId, {
        limit,
        ...(tags.length > 0 ? { tags } : {}),
        ...(pathPrefix !== null ? { pathPrefix } : {}),
        ...(options.cursor ? { cursor: options.cursor } : {}),
      }),
    );
  }

  /** Every bank with live memories, and how many each holds; with access configured, only those the caller may read. */
  async banks(options: { context?: AstrocyteContext } = {}): Promise<BankSummary[]> {
    checkKnownKeys(options, OPTION_KEYS.contextOnly, '', 'an option of banks');
    const caller = await this.gate.admit(OPERATIONS.banks, () => [], options?.context);
    return this.gate.readable(caller, await this.failures.track('banks', () => this.store.banks()));
  }

  /** What retain would do with `content`, and every rule that matched; stores nothing. */
  async explain(
    content: string,
    options: { bankId: string; tags?: string[]; metadata?: JsonObject; context?: AstrocyteContext },
  ): Promise<RuleDecision> {
    const bankId = checkBankId(options?.bankId);
    checkKnownKeys(options, OPTION_KEYS.explain, '', 'an option of explain');
    await this.gate.admit(OPERATIONS.explain, () => [bankId], options.context);
    return this.governance.explain({
      content: checkContent(content, this.limits),
      bankId,
      tags: checkTags(options.tags, this.limits),
      metadata: checkMetadata(options.metadata, this.limits),
      now: this.now(),
    });
  }

  /**
   * Makes erasure physical: the store rewrites its files so that forgotten text leaves freed pages and index files
   * too (docs/governance.md says what each backend keeps until then, and what it locks meanwhile).
   */
  async compact(options: { context?: AstrocyteContext } = {}): Promise<void> {
    checkKnownKeys(options, OPTION_KEYS.contextOnly, '', 'an option of compact');
    const operation = OPERATIONS.compact;
    const caller = await this.gate.admit(operation, STORE_WIDE, options?.context);
    if (!this.store.compact)
      throw new StorageError(`${this.store.backend}: this store cannot compact`, { code: 'not_supported' });
    const compact = this.store.compact.bind(this.store);
    await this.failures.track('compact', compact);
    await this.gate.record(caller, operation, null, {});
  }

  /**
   * Erases every memory past its expiry, as forget does; returns how many. A memory whose supersession chain is under
   * legal hold, or younger than the forget policy's minimum age, is kept: expiry overrides neither.
   */
  purgeExpired(options: { context?: AstrocyteContext } = {}): Promise<number> {
    return this.failures.track('purgeExpired', () => {
      checkKnownKeys(options, OPTION_KEYS.contextOnly, '', 'an option of purgeExpired');
      return this.observer.purgeExpired((report) => this.forgetPipeline.purgeExpired(options?.context, report));
    });
  }

  /**
   * Reports whether the store answers and holds the configured embedder's vectors, the counts of memories and banks,
   * the store's engine, vector extension and schema versions, and the last failure of an operation; never throws for
   * a sick store, it reports.
   */
  health(): Promise<HealthReport> {
    return checkHealth({ store: this.store, embedder: this.embedder, lastError: this.failures.last, now: this.now() });
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
  async reembed(options: ReembedOptions & { context?: AstrocyteContext }): Promise<ReembedResult> {
    checkKnownKeys(options, OPTION_KEYS.reembed, '', 'an option of reembed');
    const operation = OPERATIONS.reembed;
    const caller = await this.gate.admit(operation, STORE_WIDE, options?.context);
    const { embedderFor } = await import('./reembed/reembed-target.js');
    const next = await embedderFor(options?.to);
    const result = await this.switchable.switchTo(next, () => runReembed(this.store, next, options));
    const { from, to, embedded, memories } = result;
    await this.gate.record(caller, operation, null, { from: { ...from }, to: { ...to }, embedded, memories });
    return result;
  }

  /** The store's embedder and the re-embedding in progress in it, if any, with how many vectors it has staged. */
  async reembedStatus(options: { context?: AstrocyteContext } = {}): Promise<ReembedState> {
    checkKnownKeys(options, OPTION_KEYS.contextOnly, '', 'an option of reembedStatus');
    await this.gate.admit(OPERATIONS.reembedStatus, STORE_WIDE, options?.context);
    return reembeddingOf(this.store).state();
  }

  /** Drops the re-embedding in progress and its staged vectors; the store keeps its embedder and vectors. */
  async cancelReembed(options: { context?: AstrocyteContext } = {}): Promise<void> {
    checkKnownKeys(options, OPTION_KEYS.contextOnly, '', 'an option of cancelReembed');
    const operation = OPERATIONS.cancelReembed;
    const caller = await this.gate.admit(operation, STORE_WIDE, options?.context);
    await reembeddingOf(this.store).cancel();
    await this.gate.record(caller, operation, null, {});
  }

  /**
   * The access audit log, newest first: denials, rate limits, quota refusals, forgets and admin actions, never
   * memory text. Needs `admin` on `query.bankId`, or on every bank (`*`) without one; access must be configured.
   */
  audit(query: AuditQuery & { context?: AstrocyteContext } = {}): Promise<Page<AuditEntry>> {
    return this.gate.audit(query);
  }

  /** Closes the store (and the client it opened, not one passed in). */
  async close(): Promise<void> {
    await this.store.close();
  }
}

// The options' shape: what the constructor reads (a misspelt `embeder` would leave the brain without one), the two
// parts a brain cannot be built without, and the settings sections.
function checkBrainOptions(options: AstrocyteOptions): BrainSettings {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError('options', 'must be an object with store and embedder');
  checkKnownKeys(options, OPTION_KEYS.brain, '', 'an option of the brain');
  const store = options.store as Partial<MemoryStore> | undefined;
  if (typeof store !== 'object' || store === null || typeof store.ensureEmbedder !== 'function')
    throw new ValidationError('store', `must be a MemoryStore, got ${describeValue(store)}`);
  const embedder = options.embedder as Partial<Embedder> | undefined;
  if (typeof embedder !== 'object' || embedder === null || typeof embedder.embed !== 'function')
    throw new ValidationError('embedder', `must be an Embedder (with embed()), got ${describeValue(embedder)}`);
  return checkBrainSettings(options);
}
