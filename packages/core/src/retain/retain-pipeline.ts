import { chunkText } from '../chunk-text.js';
import { groupBy } from '../collections.js';
import type { Embedder } from '../embedders/embedder.js';
import { EmbedderMismatchError, NotFoundError, PolicyError, ValidationError } from '../errors.js';
import { chainsOf } from '../forget-candidates.js';
import { checkOverride } from '../governance/forget-policy.js';
import type { Governance, RetainPlan } from '../governance/governance.js';
import { newMemoryId } from '../memory-id.js';
import type {
  EmbedderInfo,
  InsertOptions,
  InsertOutcome,
  MemoryRecord,
  MemoryStore,
  VersionStamp,
} from '../memory-store.js';
import { OPTION_KEYS } from '../option-keys.js';
import { speakerLine } from '../recall/keyword-fields.js';
import { contentHash } from '../text.js';
import { TimeSlicer } from '../time-slicer.js';
import type {
  AstrocyteContext,
  ConversationTurn,
  JsonObject,
  Memory,
  PiiType,
  RetainConversationOptions,
  RetainManyItem,
  RetainOptions,
  RetainResult,
} from '../types.js';
import {
  checkBankId,
  checkContent,
  checkDate,
  checkKnownKeys,
  checkMemoryId,
  checkMetadata,
  checkPath,
  checkReason,
  checkSessionId,
  checkSpeaker,
  checkTags,
  type Limits,
} from '../validation.js';
import { versionStamp } from '../version-stamp.js';
import { bankWrites, type RetainAdmission } from './retain-admission.js';

/** What the retain pipeline works with; `nearThreshold` is null when near duplicates are kept. */
export interface RetainParts {
  store: MemoryStore;
  embedder: Embedder;
  governance: Governance;
  limits: Limits;
  nearThreshold: number | null;
  now: () => Date;
  /** Whether the brain embeds with another model than `used` since (a re-embedding of this brain switched it). */
  embedderReplacedSince: (used: EmbedderInfo) => Promise<boolean>;
}

/** What became of one retained item, for telemetry and hooks; the caller gets `result` only. */
export interface RetainOutcome {
  /** The item's place in the call's input: 0 for retain, the item's or the turn's index otherwise. */
  index: number;
  result: RetainResult;
  /** The bank it went to (after routing), or the bank asked for when it was refused. */
  bankId: string;
  /** The text as stored, after redaction (all of it for a chunked text); null when refused. */
  text: string | null;
  /** Why governance refused it: the PII types found and the rules that applied. */
  rejection?: { piiTypes: PiiType[]; rules: string[] };
}

/** Receives a call's outcomes once its transaction committed. */
export type RetainReport = (outcomes: RetainOutcome[]) => void;

/** A retain request after validation, before governance. */
interface ValidatedItem {
  index: number;
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
  /** When it was first stored, restored from an export; null: now. */
  createdAt: Date | null;
}

/**
 * The write path behind retain, retainMany and retainConversation: validation, governance, chunking of long texts,
 * one embedding batch and one store transaction per call.
 */
export class RetainPipeline {
  private readonly store: MemoryStore;
  private readonly embedder: Embedder;
  private readonly governance: Governance;
  private readonly limits: Limits;
  private readonly nearThreshold: number | null;
  private readonly now: () => Date;
  private readonly embedderReplacedSince: RetainParts['embedderReplacedSince'];

  constructor(parts: RetainParts) {
    this.store = parts.store;
    this.embedder = parts.embedder;
    this.governance = parts.governance;
    this.limits = parts.limits;
    this.nearThreshold = parts.nearThreshold;
    this.now = parts.now;
    this.embedderReplacedSince = parts.embedderReplacedSince;
  }

  /**
   * Stores one memory, unless governance rejects it or it duplicates one already in the bank. Replacing a memory
   * whose supersession chain is under legal hold needs `overrideLegalHold` and a `reason`.
   */
  async retain(
    content: string,
    options: RetainOptions,
    report?: RetainReport,
    admit?: RetainAdmission,
  ): Promise<RetainResult> {
    const item: ValidatedItem = {
      ...this.validateItem(content, options, ''),
      index: 0,
      speaker: null,
      episodeId: null,
      createdAt: null,
    };
    checkKnownKeys(options, OPTION_KEYS.retain, '', 'an option of retain');
    const reason = checkReason(options.reason);
    const override = checkOverride(options.overrideLegalHold, reason);
    if (item.supersedes === null && (override || reason !== undefined))
      throw new ValidationError(override ? 'overrideLegalHold' : 'reason', 'only applies with supersedes');
    if (item.supersedes !== null) {
      const { target, live } = await this.replaceable(item.bankId, item.supersedes, override);
      item.supersedes = target;
      // A corrected turn is still a turn: said by the same speaker, in its place in the session (the store puts it
      // there), at the same time unless the correction gives another.
      if (live.speaker !== undefined && live.episode !== undefined) {
        item.speaker = live.speaker;
        item.episodeId = live.episode.id;
        item.occurredAt ??= live.occurredAt ?? null;
      }
    }
    const [result] = await this.persist([item], options.context, report, admit, { reason, override });
    return result as RetainResult;
  }

  /** Stores many memories into one bank with one embedding batch and one transaction. */
  async retainMany(
    items: RetainManyItem[],
    options: { bankId: string; context?: AstrocyteContext },
    report?: RetainReport,
    admit?: RetainAdmission,
  ): Promise<RetainResult[]> {
    if (!Array.isArray(items)) throw new ValidationError('items', 'must be an array');
    if (items.length > this.limits.maxBatchSize) {
      throw new ValidationError(
        'items',
        `has ${items.length} items; the limit is ${this.limits.maxBatchSize} per call`,
      );
    }
    const bankId = checkBankId(options?.bankId);
    checkKnownKeys(options, OPTION_KEYS.retainMany, '', 'an option of retainMany');
    const slicer = new TimeSlicer();
    const validated: ValidatedItem[] = [];
    for (const [i, item] of items.entries()) {
      if (typeof item !== 'object' || item === null) throw new ValidationError(`items[${i}]`, 'must be an object');
      // A replacement needs its target checked (it exists, it is not under legal hold): retain does that one at a time.
      if ('supersedes' in item)
        throw new ValidationError(`items[${i}].supersedes`, 'is not accepted in a batch; replace a memory with retain');
      checkKnownKeys(item, OPTION_KEYS.retainManyItem, `items[${i}].`, 'a field of an item');
      validated.push({
        ...this.validateItem(item.content, { ...item, bankId }, `items[${i}].`),
        index: i,
        speaker: null,
        episodeId: null,
        createdAt: this.checkCreatedAt(item.createdAt, `items[${i}].createdAt`),
      });
      await slicer.tick();
    }
    return this.persist(validated, options.context, report, admit);
  }

  /** Stores a conversation, one memory per turn, as an ordered episode of `sessionId` (appended to if it exists). */
  async retainConversation(
    turns: ConversationTurn[],
    options: RetainConversationOptions,
    report?: RetainReport,
    admit?: RetainAdmission,
  ): Promise<RetainResult[]> {
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
    checkKnownKeys(options, OPTION_KEYS.retainConversation, '', 'an option of retainConversation');
    const episodeId =
      options.sessionId === undefined ? newMemoryId(this.now().getTime()) : checkSessionId(options.sessionId);
    const callTags = checkTags(options.tags, this.limits);
    // A turn with nothing said (a shared image, a dropped message) keeps its place in the result but stores nothing.
    const spoken: number[] = [];
    const validated = turns.flatMap((turn, i): ValidatedItem[] => {
      if (typeof turn !== 'object' || turn === null)
        throw new ValidationError(`turns[${i}]`, 'must be an object with speaker and text');
      checkKnownKeys(turn, OPTION_KEYS.turn, `turns[${i}].`, 'a field of a turn');
      const speaker = checkSpeaker(turn.speaker, this.limits, `turns[${i}].speaker`);
      if (typeof turn.text === 'string' && turn.text.trim().length === 0) return [];
      spoken.push(i);
      const item = this.validateItem(
        turn.text,
        {
          bankId,
          // A turn's own tags are added to the call's: a session whose turns carry different tags is still one call.
          tags:
            turn.tags === undefined
              ? callTags
              : [...callTags, ...checkTags(turn.tags, this.limits, `turns[${i}].tags`)],
          metadata: turn.metadata,
          occurredAt: turn.occurredAt ?? options.occurredAt,
          expiresAt: turn.expiresAt,
        },
        `turns[${i}].`,
        'text',
      );
      return [
        {
          ...item,
          index: i,
          speaker,
          episodeId,
          createdAt: this.checkCreatedAt(turn.createdAt, `turns[${i}].createdAt`),
        },
      ];
    });
    const stored = await this.persist(validated, options.context, report, admit);
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

  // A memory can be replaced while it is live, and, when its supersession chain (or that of another chunk of its
  // document, which it replaces too) is under legal hold, only with an override. The store checks again in its
  // transaction (checkSuperseded), for what changed since. The id returned is the one the store supersedes: for a
  // chunk, its document's first, so that forgetting the id retain returned for the text erases all of it (unless that
  // chunk is gone: a text stored before corrections replaced whole documents may have lost it), with the memory named.
  private async replaceable(
    bankId: string,
    memoryId: string,
    override: boolean,
  ): Promise<{ target: string; live: Memory }> {
    const [live] = await this.store.get(bankId, [memoryId]);
    if (!live) {
      // A memory replaced already is in history: the caller means its successor, most likely.
      const last = (await this.store.history(bankId, memoryId)).at(-1);
      const successor = last?.action === 'supersede' && last.relatedId ? last.relatedId : undefined;
      throw new NotFoundError(
        successor
          ? `supersedes: memory ${memoryId} was replaced by ${successor}; to correct it again, supersede that one`
          : `supersedes: no memory ${memoryId} in bank ${bankId}`,
        { details: { memoryId, ...(successor ? { replacedBy: successor } : {}) } },
      );
    }
    const replaced = live.documentId
      ? (await this.store.select(bankId, { documentIds: [live.documentId] })).map((m) => m.id)
      : [memoryId];
    const target = live.documentId && replaced.includes(live.documentId) ? live.documentId : memoryId;
    if (override) return { target, live };
    for (const { chain } of await chainsOf(this.store, bankId, replaced)) {
      const hold = this.governance.legalHold(chain);
      if (!hold) continue;
      const where =
        hold.memoryId === memoryId ? '' : ` (on memory ${hold.memoryId} of its document or supersession chain)`;
      throw new PolicyError(
        `supersedes: memory ${memoryId} is under legal hold, tag "${hold.tag}"${where}; retain with overrideLegalHold: true and a reason to replace it`,
        { details: { memoryId, heldMemoryId: hold.memoryId, tag: hold.tag } },
      );
    }
    return { target, live };
  }

  // A creation time restored from an export: a memory cannot have been stored after now.
  private checkCreatedAt(value: unknown, field: string): Date | null {
    const createdAt = checkDate(value, field);
    const now = this.now();
    if (createdAt && createdAt.getTime() > now.getTime())
      throw new ValidationError(field, `is in the future (${createdAt.toISOString()}); it is now ${now.toISOString()}`);
    return createdAt;
  }

  private validateItem(
    content: unknown,
    options: RetainOptions,
    prefix: string,
    contentField = 'content',
  ): Omit<ValidatedItem, 'index' | 'speaker' | 'episodeId' | 'createdAt'> {
    if (typeof options !== 'object' || options === null)
      throw new ValidationError('options', 'must be an object with bankId');
    const supersedes =
      options.supersedes === undefined ? null : checkMemoryId(options.supersedes, `${prefix}supersedes`);
    const expiresAt = checkDate(options.expiresAt, `${prefix}expiresAt`);
    // An expired memory is never recalled and the next sweep erases it: storing one would report success for nothing.
    if (expiresAt && expiresAt.getTime() <= this.now().getTime())
      throw new ValidationError(
        `${prefix}expiresAt`,
        `has passed (${expiresAt.toISOString()}): an expired memory is never recalled`,
      );
    return {
      content: checkContent(content, this.limits, `${prefix}${contentField}`),
      bankId: checkBankId(options.bankId),
      tags: checkTags(options.tags, this.limits, `${prefix}tags`),
      metadata: checkMetadata(options.metadata, this.limits, `${prefix}metadata`),
      path: checkPath(options.path, this.limits, `${prefix}path`),
      occurredAt: checkDate(options.occurredAt, `${prefix}occurredAt`),
      expiresAt,
      supersedes,
    };
  }

  // Governs, chunks, embeds and inserts validated items; one embedding batch and one store transaction for all. The
  // per-item work yields to the event loop as it goes (TimeSlicer), so a large batch does not stall a server.
  private async persist(
    items: ValidatedItem[],
    context: AstrocyteContext | undefined,
    report: RetainReport | undefined,
    admit: RetainAdmission | undefined,
    replacing: { reason?: string; override: boolean } = { override: false },
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
        sessionId: item.episodeId,
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
    // A turn said again within one call ("yes" to two questions) is said again, where the same turn in another call
    // at the same time is the session imported again: the hash of a repeat counts which time it is said.
    const said = new Map<string, number>();
    for (const [index, plan] of plans.entries()) {
      if (plan.kind !== 'store') continue;
      const item = items[index] as ValidatedItem;
      const about = { occurredAt: item.occurredAt, speaker: plan.speaker, episodeId: item.episodeId };
      let whole = contentHash(plan.content, about);
      const repeat = plan.speaker === null ? 0 : (said.get(whole) ?? 0);
      if (plan.speaker !== null) said.set(whole, repeat + 1);
      if (repeat > 0) whole = contentHash(plan.content, { ...about, part: `repeat ${repeat}` });
      const chunks =
        plan.content.length > this.limits.chunkSize ? chunkText(plan.content, this.limits.chunkSize) : [plan.content];
      // The turn's one place holds one memory: the chunks after the first would land at the session's end.
      if (chunks.length > 1 && item.supersedes !== null && item.episodeId !== null)
        throw new ValidationError(
          'content',
          `is ${plan.content.length} characters; a correction of a conversation turn takes the turn's place as one memory, at most ${this.limits.chunkSize} (limits.chunkSize)`,
        );
      const documentId = chunks.length > 1 ? newMemoryId(now.getTime()) : null;
      // A memory restored from an export was created when its export says; a redaction happens now.
      const createdAt = item.createdAt ?? now;
      chunks.forEach((text, c) => {
        const versions: VersionStamp[] = [
          versionStamp(this.governance, 'create', createdAt, context, replacing.reason),
        ];
        if (plan.redacted.length > 0)
          versions.push(versionStamp(this.governance, 'redact', now, context, `redacted ${plan.redacted.join(', ')}`));
        records.push({
          id: c === 0 && documentId ? documentId : newMemoryId(now.getTime()),
          bankId: plan.bankId,
          text,
          // A chunk is the c-th part of its document, not its words alone: a paragraph repeated in the text, or
          // shared with another document, is stored in each place, and the same text retained again matches whole.
          contentHash: documentId ? contentHash(text, { ...about, part: `${c} of ${whole}` }) : whole,
          embedding: new Float32Array(0),
          tags: plan.tags,
          metadata: plan.metadata,
          path: plan.path,
          createdAt,
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
    // Routing is decided only now: a routed bank the caller may not write, or a quota, refuses the whole call.
    const admitted = await admit?.(bankWrites(plans));
    let outcomes: InsertOutcome[];
    try {
      outcomes = await this.embedAndInsert(records, pieces, {
        ...(admitted?.memoryLimits ? { memoryLimits: admitted.memoryLimits } : {}),
        overrideLegalHold: replacing.override,
      });
    } catch (error) {
      await admitted?.failed(error);
      throw error;
    }
    const outcomesOf = groupBy(
      outcomes.map((outcome, j) => ({ outcome, owner: owner[j] as number })),
      (o) => o.owner,
    );
    const results = plans.map((plan, index) => {
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
        const moved = mine.find((o) => o.status === 'duplicate' && o.expiresAt !== undefined);
        if (moved?.status === 'duplicate') result.expiresAt = moved.expiresAt ?? null;
      }
      return result;
    });
    report?.(
      plans.map((plan, i) => {
        const item = items[i] as ValidatedItem;
        const result = results[i] as RetainResult;
        if (plan.kind === 'store') return { index: item.index, result, bankId: plan.bankId, text: plan.content };
        const rules = plan.matched.filter((m) => m.applied !== false).map((m) => m.rule);
        return {
          index: item.index,
          result,
          bankId: item.bankId,
          text: null,
          rejection: { piiTypes: plan.detected, rules },
        };
      }),
    );
    return results;
  }

  private async embedAndInsert(
    records: MemoryRecord[],
    pieces: string[],
    options: Pick<InsertOptions, 'memoryLimits' | 'overrideLegalHold'>,
  ): Promise<InsertOutcome[]> {
    if (records.length === 0) return [];
    // Named before embedding: a re-embedding may switch the brain to another model meanwhile, and the store must
    // then refuse these vectors instead of storing them beside the new model's.
    const embedder = { name: this.embedder.name, dimensions: this.embedder.dimensions };
    const vectors = await this.embedder.embed(pieces, { purpose: 'document' });
    records.forEach((record, i) => {
      record.embedding = vectors[i] as Float32Array;
    });
    try {
      return await this.store.insert(records, {
        nearDuplicateThreshold: this.nearThreshold,
        maxTags: this.limits.maxTags,
        holdTags: this.governance.forgetPolicy.legalHoldTags,
        embedder,
        ...options,
      });
    } catch (error) {
      // This brain's own re-embedding switched the store between the embedding and the insert: embed again with the
      // model it switched to. Another process's switch leaves this brain on the old model, and the error stands.
      if (!EmbedderMismatchError.isInstance(error) || !(await this.embedderReplacedSince(embedder))) throw error;
      return this.embedAndInsert(records, pieces, options);
    }
  }
}
