import { checkVector } from '../embedders/check-vector.js';
import { cosineSimilarity } from '../embedders/embedder.js';
import { StorageError, ValidationError } from '../errors.js';
import { countBanks } from '../health/check-health.js';
import {
  type ChainMember,
  checkMemoryLimits,
  checkNotHeld,
  checkSameEmbedder,
  checkSuperseded,
  type EmbedderInfo,
  type EraseOptions,
  type ExpiredOptions,
  type InsertOptions,
  type InsertOutcome,
  limitedBanks,
  type MemoryRecord,
  type MemorySelector,
  type MemoryStore,
  mergeDuplicate,
  nearChecked,
  replacedPlace,
  type ScoredId,
  type SearchFilter,
  type StoreDescription,
  type StoreListOptions,
  type VersionStamp,
} from '../memory-store.js';
import { normalizePathPrefix } from '../path-prefix.js';
import { KEYWORD_WEIGHTS, keywordFields } from '../recall/keyword-fields.js';
import { mayRepeat, termKey, words } from '../text.js';
import type { Memory, MemoryVersion, Page } from '../types.js';
import { InMemoryAccessLedger } from './in-memory-access-ledger.js';
import { InMemoryReembedding, type ReembedRow } from './in-memory-reembedding.js';

interface Row extends ReembedRow {
  /** Order within the record's episode. */
  position: number;
}

/**
 * The reference MemoryStore: plain maps, brute-force search. It proves the conformance suites and serves
 * `storage.backend: memory` (see in-memory-backend.ts) for tests and throwaway sessions. Nothing survives `close()`.
 */
export class InMemoryStore implements MemoryStore {
  readonly backend = 'memory';
  private embedder: EmbedderInfo | undefined;
  private readonly rows = new Map<string, Row>();
  /** Superseded memories whose text is not yet erased, with the memory that replaced each. */
  private readonly superseded = new Map<string, { record: MemoryRecord; by: string }>();
  private readonly versions: MemoryVersion[] = [];
  private sequence = 0;
  private closed = false;
  /** Re-embedding: staged vectors ride on the live rows. */
  readonly reembedding = new InMemoryReembedding(
    this.rows,
    {
      get: () => {
        if (!this.embedder)
          throw new StorageError('memory: no embedder is recorded yet; call ensureEmbedder first', {
            code: 'embedder_not_recorded',
          });
        return this.embedder;
      },
      set: (info) => {
        this.embedder = info;
      },
    },
    () => this.assertOpen(),
  );
  /** Rate-limit counters and the audit log, in this process only. */
  readonly accessLedger = new InMemoryAccessLedger(() => this.assertOpen());

  /** Records the embedder on first use and refuses another one afterwards. */
  async ensureEmbedder(info: EmbedderInfo): Promise<void> {
    this.assertOpen();
    if (!this.embedder) this.embedder = { ...info };
    else checkSameEmbedder(this.embedder, info);
  }

  /**
   * Inserts in order; being single-threaded, with no await in between, the whole insert is atomic. Over a memory
   * limit, it puts everything back as it was before throwing.
   */
  async insert(records: MemoryRecord[], options: InsertOptions): Promise<InsertOutcome[]> {
    this.assertOpen();
    if (options.embedder && this.embedder) checkSameEmbedder(this.embedder, options.embedder);
    // As the SQL stores: a NaN or infinite component makes every distance NaN, a vector no search finds.
    const dimensions = (options.embedder ?? this.embedder)?.dimensions;
    for (const [i, { embedding }] of records.entries())
      checkVector(embedding, dimensions ?? embedding.length, `records[${i}].embedding`);
    const limits = limitedBanks(records, options);
    const before = this.liveCounts(limits.keys());
    // All or nothing, as a transaction of the other stores: a record refused halfway undoes those before it. A single
    // record is refused before it changes anything, so it needs no copy of every row to undo.
    const undo = records.length > 1 || limits.size > 0 ? this.checkpoint() : () => undefined;
    try {
      const outcomes = records.map((record) => this.insertOne(record, options));
      checkMemoryLimits(limits, before, this.liveCounts(limits.keys()));
      return outcomes;
    } catch (error) {
      undo();
      throw error;
    }
  }

  /** The live memory with this hash in the bank. */
  async findByHash(bankId: string, hash: string): Promise<string | null> {
    this.assertOpen();
    return this.live(bankId).find((row) => row.record.contentHash === hash)?.record.id ?? null;
  }

  /** Brute-force cosine kNN over the filtered rows of the banks. */
  async vectorSearch(
    bankIds: string[],
    embedding: Float32Array,
    limit: number,
    filter: SearchFilter,
  ): Promise<ScoredId[]> {
    this.assertOpen();
    checkVector(embedding, this.embedder?.dimensions ?? embedding.length, 'embedding');
    return this.filtered(bankIds, filter)
      .map((row) => ({
        id: row.record.id,
        bankId: row.record.bankId,
        score: cosineSimilarity(row.record.embedding, embedding),
      }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  /**
   * Rows containing any term (as termKey compares words: stemmed, accents folded as SQLite folds them) in any keyword
   * column (text with speaker, date, episode neighbours), ranked like BM25 as the other stores: per column, each term's
   * length-normalized frequency times its inverse document frequency among the rows searched, weighted as
   * KEYWORD_WEIGHTS. Columns are built at query time, so a forgotten neighbour's text is gone from them at once.
   */
  async keywordSearch(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    this.assertOpen();
    const neighbours = this.neighbours(bankIds);
    const rows = this.filtered(bankIds, filter).map((row) => {
      const fields = keywordFields(
        row.record,
        (neighbours.get(row) ?? []).map((n) => n.record.text),
      );
      return { row, text: termCounts(fields.text), date: termCounts(fields.date), context: termCounts(fields.context) };
    });
    // BM25's inverse document frequency: a term found in few memories tells more than one found in most.
    const weights = [...new Set(terms.map(termKey))].map((term) => {
      const found = rows.filter((r) => r.text.has(term) || r.date.has(term) || r.context.has(term)).length;
      return { term, weight: Math.log(1 + (rows.length - found + 0.5) / (found + 0.5)) };
    });
    return rows
      .map((r) => {
        let score = 0;
        for (const column of ['text', 'date', 'context'] as const) {
          const counts = r[column];
          let columnScore = 0;
          for (const { term, weight } of weights) columnScore += weight * Math.log1p(counts.get(term) ?? 0);
          score += (KEYWORD_WEIGHTS[column] * columnScore) / Math.sqrt(1 + counts.size);
        }
        return { id: r.row.record.id, bankId: r.row.record.bankId, score };
      })
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  /** Live memories of the bank with these ids. */
  async get(bankId: string, ids: string[]): Promise<Memory[]> {
    this.assertOpen();
    return ids.flatMap((id) => {
      const row = this.rows.get(id);
      return row && row.record.bankId === bankId ? [toMemory(row)] : [];
    });
  }

  /** Oldest first; the cursor is the insertion sequence of the last row returned. */
  async list(bankId: string, options: StoreListOptions): Promise<Page<Memory>> {
    this.assertOpen();
    const after = options.cursor === undefined ? -1 : this.cursorSeq(options.cursor);
    // Listing shows every memory not yet purged, expired or not: the earliest possible instant expires nothing.
    const rows = this.filtered([bankId], { now: new Date(-8.64e15), ...options }).filter((row) => row.seq > after);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(toMemory),
      nextCursor: rows.length > page.length && last ? `mem:${last.seq.toString(36)}` : null,
    };
  }

  // Every backend refuses a cursor list did not give the same way: a word such as "garbage" read as a number would
  // end the listing in silence, cutting an export short (and parseInt would read "12abc!" as 1,450).
  private cursorSeq(cursor: string): number {
    const match = /^mem:([0-9a-z]{1,11})$/.exec(cursor);
    const seq = match ? Number.parseInt(match[1] as string, 36) : Number.NaN;
    if (!(seq < this.sequence)) throw new ValidationError('cursor', 'is not a cursor returned by list');
    return seq;
  }

  /** Live memories of the bank matching the selector. */
  async select(bankId: string, selector: MemorySelector): Promise<Memory[]> {
    this.assertOpen();
    return this.live(bankId)
      .filter(({ record }) => matches(selector, record))
      .map(toMemory);
  }

  /** Every memory linked by supersession to one the selector matches, live or superseded and not yet erased. */
  async chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]> {
    this.assertOpen();
    // As the SQL stores: a superseded memory has no expiry or document of its own, so those selectors mean nothing here.
    if (!(selector.ids || selector.tags || selector.before || selector.all === true))
      throw new ValidationError('selector', 'chains take one of ids, tags, before or all');
    const members = new Map<string, Omit<ChainMember, 'selected'>>();
    for (const { record } of this.live(bankId)) members.set(record.id, { ...memberOf(record), supersededBy: null });
    for (const { record, by } of this.superseded.values()) {
      if (record.bankId === bankId) members.set(record.id, { ...memberOf(record), supersededBy: by });
    }
    const seeds = new Set([...members.values()].filter((m) => matches(selector, m)).map((m) => m.id));
    return [...this.linked(bankId, seeds, true)].flatMap((id) => {
      const member = members.get(id);
      return member ? [{ ...member, selected: seeds.has(id) }] : [];
    });
  }

  /** Removes the rows and every stored copy of their text and of what they replaced, then writes tombstones. */
  async erase(bankId: string, ids: string[], stamp: VersionStamp, options?: EraseOptions): Promise<string[]> {
    this.assertOpen();
    const targets = [...new Set(ids)].filter(
      (id) => (this.rows.get(id) ?? this.superseded.get(id))?.record.bankId === bankId,
    );
    checkNotHeld(
      targets.flatMap((id) => this.rows.get(id)?.record ?? []),
      options,
    );
    for (const id of targets) {
      this.rows.delete(id);
      for (const memoryId of this.linked(bankId, [id], false)) {
        this.superseded.delete(memoryId);
        for (const version of this.versions)
          if (version.memoryId === memoryId && version.bankId === bankId) version.text = null;
      }
      this.addVersion(id, bankId, stamp, null);
    }
    return targets;
  }

  /** Live memories past their expiry. */
  async expired(now: Date, limit: number, options: ExpiredOptions = {}): Promise<{ bankId: string; id: string }[]> {
    this.assertOpen();
    const { createdAtOrBefore } = options;
    return [...this.rows.values()]
      .filter(
        ({ record }) =>
          record.expiresAt !== null &&
          record.expiresAt <= now &&
          (createdAtOrBefore === undefined || record.createdAt <= createdAtOrBefore),
      )
      .slice(0, limit)
      .map(({ record }) => ({ bankId: record.bankId, id: record.id }));
  }

  /** Versions of one memory of one bank, oldest first. */
  async history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    this.assertOpen();
    return this.versions.filter((v) => v.bankId === bankId && v.memoryId === memoryId).map((v) => ({ ...v }));
  }

  /** Banks with live memories. */
  async banks(): Promise<{ bankId: string; memoryCount: number }[]> {
    this.assertOpen();
    const counts = new Map<string, number>();
    for (const { record } of this.rows.values()) counts.set(record.bankId, (counts.get(record.bankId) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([bankId, memoryCount]) => ({ bankId, memoryCount }));
  }

  /** This process's memory: no engine of its own beside Node.js, no vector extension, no schema. */
  async describe(): Promise<StoreDescription> {
    this.assertOpen();
    return {
      engine: { name: 'Node.js', version: process.versions.node },
      location: 'the memory of this process',
      file: null,
      vectorExtension: null,
      schemaVersion: null,
      embedder: this.embedder ? { name: this.embedder.name, dimensions: this.embedder.dimensions } : null,
      counts: countBanks(await this.banks()),
    };
  }

  /** Nothing to rewrite: erased rows are gone from memory at once. */
  async compact(): Promise<void> {
    this.assertOpen();
  }

  /** Drops everything; every call after it fails with `store_closed`, as on the other stores. */
  async close(): Promise<void> {
    this.closed = true;
    this.rows.clear();
    this.superseded.clear();
    this.versions.length = 0;
    this.accessLedger.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('memory: the store is closed', { code: 'store_closed' });
  }

  // One record, checked against the bank's live memories (and so against the batch's earlier records).
  private insertOne(record: MemoryRecord, options: InsertOptions): InsertOutcome {
    // The memory being superseded is never the new one's duplicate: a correction is usually worded like the original.
    const rivals = this.live(record.bankId).filter((row) => row.record.id !== record.supersedes);
    // A correction that repeats a memory replaces the corrected one with it.
    const duplicate = (row: Row, match: 'exact' | 'near', similarity: number): InsertOutcome => {
      const merged = mergeDuplicate(row.record, record, row.record.id, options);
      this.supersede(record, row.record.id, options);
      row.record.tags = [...row.record.tags, ...merged.addedTags];
      row.record.expiresAt = merged.expiresAt;
      return { status: 'duplicate', duplicateOf: row.record.id, match, similarity, ...merged.outcome };
    };
    const exact = rivals.find((row) => row.record.contentHash === record.contentHash);
    if (exact) return duplicate(exact, 'exact', 1);
    // A turn or a chunk is a part of an ordered whole: only its exact repeat is a duplicate (see the stores).
    if (options.nearDuplicateThreshold !== null && nearChecked(record)) {
      let best: { row: Row; similarity: number } | undefined;
      const sameTime = (row: Row) =>
        record.occurredAt === null || row.record.occurredAt?.getTime() === record.occurredAt.getTime();
      for (const row of rivals.filter(sameTime)) {
        const similarity = cosineSimilarity(row.record.embedding, record.embedding);
        if (!best || similarity > best.similarity) best = { row, similarity };
      }
      // Alike vectors are not the same fact: the record must say nothing the match does not.
      if (best && best.similarity >= options.nearDuplicateThreshold && mayRepeat(record.text, best.row.record.text))
        return duplicate(best.row, 'near', best.similarity);
    }
    const place = this.supersede(record, record.id, options);
    const episode = record.episodeId === null ? [] : this.episode(record.bankId, record.episodeId);
    const position = place ?? Math.max(-1, ...episode.map((row) => row.position)) + 1;
    this.rows.set(record.id, { record: { ...record, tags: [...record.tags] }, seq: this.sequence++, position });
    for (const stamp of record.versions) this.addVersion(record.id, record.bankId, stamp, record.text);
    return { status: 'stored', id: record.id };
  }

  // Takes the memory `record` corrects, and the rest of its document but `by`, out of the live ones: the memory
  // named is replaced by the memory `by`, the rest of its document by the memory named. Returns the first place they
  // held in the record's episode (a corrected turn's), which the record takes; undefined when they held none.
  private supersede(record: MemoryRecord, by: string, options: InsertOptions): number | undefined {
    if (record.supersedes === null) return undefined;
    const found = this.rows.get(record.supersedes);
    const target = found && found.record.bankId === record.bankId ? found : undefined;
    const documentId = target?.record.documentId;
    const rest = documentId
      ? this.live(record.bankId).filter(
          (row) => row.record.documentId === documentId && row !== target && row.record.id !== by,
        )
      : [];
    const replaced = target ? [target, ...rest] : [];
    checkSuperseded(
      record,
      replaced.map((row) => row.record),
      options,
    );
    for (const old of replaced) {
      const successor = old === target ? by : record.supersedes;
      this.rows.delete(old.record.id);
      this.superseded.set(old.record.id, { record: old.record, by: successor });
      this.addVersion(
        old.record.id,
        old.record.bankId,
        { action: 'supersede', at: record.createdAt, ...whoAndWhy(record) },
        old.record.text,
        successor,
      );
    }
    return replacedPlace(
      record,
      replaced.map((row) => ({ episodeId: row.record.episodeId, position: row.position })),
    );
  }

  // Live memories of each bank.
  private liveCounts(bankIds: Iterable<string>): Map<string, number> {
    return new Map([...bankIds].map((bankId) => [bankId, this.live(bankId).length]));
  }

  // What an insert changes (rows and the tags duplicates add to them, superseded memories, versions, the sequence),
  // and what puts it back. Rows are restored into the same map, which the re-embedding shares.
  private checkpoint(): () => void {
    const rows = [...this.rows].map(([id, row]) => ({
      id,
      row,
      tags: row.record.tags,
      expiresAt: row.record.expiresAt,
    }));
    const superseded = new Map(this.superseded);
    const versions = this.versions.length;
    const sequence = this.sequence;
    return () => {
      this.rows.clear();
      for (const { id, row, tags, expiresAt } of rows) {
        row.record.tags = tags;
        row.record.expiresAt = expiresAt;
        this.rows.set(id, row);
      }
      this.superseded.clear();
      for (const [id, entry] of superseded) this.superseded.set(id, entry);
      this.versions.length = versions;
      this.sequence = sequence;
    };
  }

  // Live rows of one episode, in order.
  private episode(bankId: string, episodeId: string): Row[] {
    return this.live(bankId)
      .filter((row) => row.record.episodeId === episodeId)
      .sort((a, b) => a.position - b.position);
  }

  // The live rows just before and after each row in its episode, for every episode of the banks (filtered or not):
  // grouped in one pass, as finding them row by row would read the whole bank once per row.
  private neighbours(bankIds: string[]): Map<Row, Row[]> {
    const episodes = new Map<string, Row[]>();
    for (const row of this.rows.values()) {
      if (row.record.episodeId === null || !bankIds.includes(row.record.bankId)) continue;
      const key = JSON.stringify([row.record.bankId, row.record.episodeId]);
      const episode = episodes.get(key);
      if (episode) episode.push(row);
      else episodes.set(key, [row]);
    }
    const neighbours = new Map<Row, Row[]>();
    for (const episode of episodes.values()) {
      episode.sort((a, b) => a.position - b.position);
      episode.forEach((row, at) => {
        neighbours.set(
          row,
          [episode[at - 1], episode[at + 1]].filter((n): n is Row => n !== undefined),
        );
      });
    }
    return neighbours;
  }

  private live(bankId: string): Row[] {
    return [...this.rows.values()].filter((row) => row.record.bankId === bankId);
  }

  private filtered(bankIds: string[], filter: Omit<SearchFilter, 'now'> & { now?: Date }): Row[] {
    const path = normalizePathPrefix(filter.pathPrefix);
    return [...this.rows.values()].filter(({ record }) => {
      if (!bankIds.includes(record.bankId)) return false;
      if (filter.now && record.expiresAt !== null && record.expiresAt <= filter.now) return false;
      if (filter.tags?.length && !record.tags.some((tag) => filter.tags?.includes(tag))) return false;
      if (path !== null && !(record.path === path || record.path?.startsWith(`${path}/`))) return false;
      const at = record.occurredAt ?? record.createdAt;
      if (filter.from && at < filter.from) return false;
      if (filter.to && at > filter.to) return false;
      return true;
    });
  }

  // `ids` and every memory they replaced, directly or through a chain of supersessions; with `both`, also every
  // memory that replaced them.
  private linked(bankId: string, ids: Iterable<string>, both: boolean): Set<string> {
    const found = new Set(ids);
    const replacements = this.versions
      .filter((v) => v.bankId === bankId && v.action === 'supersede' && v.relatedId)
      .map((v) => ({ old: v.memoryId, by: v.relatedId as string }));
    for (let grew = true; grew; ) {
      grew = false;
      for (const { old, by } of replacements) {
        const reached = found.has(by) ? old : both && found.has(old) ? by : null;
        if (reached !== null && !found.has(reached)) {
          found.add(reached);
          grew = true;
        }
      }
    }
    return found;
  }

  private addVersion(
    memoryId: string,
    bankId: string,
    stamp: VersionStamp,
    text: string | null,
    relatedId?: string,
  ): void {
    const version = this.versions.filter((v) => v.memoryId === memoryId && v.bankId === bankId).length + 1;
    this.versions.push({
      memoryId,
      bankId,
      version,
      action: stamp.action,
      text,
      at: stamp.at,
      ...(stamp.actor ? { actor: stamp.actor } : {}),
      ...(stamp.reason ? { reason: stamp.reason } : {}),
      ...(relatedId ? { relatedId } : {}),
    });
  }
}

// The supersede row carries who replaced the memory and why: the new record's first version.
function whoAndWhy(record: MemoryRecord): { actor?: string; reason?: string } {
  const first = record.versions[0];
  return { ...(first?.actor ? { actor: first.actor } : {}), ...(first?.reason ? { reason: first.reason } : {}) };
}

function memberOf(record: MemoryRecord): Omit<ChainMember, 'selected' | 'supersededBy'> {
  return { id: record.id, tags: [...record.tags], createdAt: record.createdAt, documentId: record.documentId };
}

// Whether a memory matches a selector; superseded memories have no expiry or document of their own to match.
function matches(
  selector: MemorySelector,
  memory: Pick<MemoryRecord, 'id' | 'tags' | 'createdAt'> & Partial<Pick<MemoryRecord, 'expiresAt' | 'documentId'>>,
): boolean {
  if (selector.ids) return selector.ids.includes(memory.id);
  if (selector.tags) return memory.tags.some((tag) => selector.tags?.includes(tag));
  if (selector.before) return memory.createdAt < selector.before;
  if (selector.expiredAt) return memory.expiresAt != null && memory.expiresAt <= selector.expiredAt;
  if (selector.documentIds) return memory.documentId != null && selector.documentIds.includes(memory.documentId);
  return selector.all === true;
}

// How often each word of a keyword column occurs, by its termKey.
function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words(text)) counts.set(termKey(word), (counts.get(termKey(word)) ?? 0) + 1);
  return counts;
}

function toMemory({ record, position }: Row): Memory {
  return {
    id: record.id,
    bankId: record.bankId,
    text: record.text,
    tags: [...record.tags],
    metadata: structuredClone(record.metadata),
    ...(record.path ? { path: record.path } : {}),
    createdAt: record.createdAt,
    ...(record.occurredAt ? { occurredAt: record.occurredAt } : {}),
    ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
    ...(record.speaker !== null ? { speaker: record.speaker } : {}),
    ...(record.episodeId !== null ? { episode: { id: record.episodeId, position } } : {}),
    ...(record.documentId !== null ? { documentId: record.documentId } : {}),
  };
}
