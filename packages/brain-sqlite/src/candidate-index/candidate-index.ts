import { MEMORY_COLUMNS } from '@astrocyte/core/backend';
import type Database from 'better-sqlite3';
import type { MemoryRow } from '../memory-rows.js';
import type { StatementCache } from '../statement-cache.js';
import { floats } from '../vector-blobs.js';
import { BankIndex } from './bank-index.js';
import { readEraseEpoch } from './index-journal.js';
import { cosineToQuery, estimate, estimateError, type UnitQuery, unitQuery } from './int8-estimate.js';
import { countSketchRows, readSketchRows } from './sketch-rows.js';
import type { SlotFilter } from './slot-table.js';
import { ROWS_PER_STEP, runAtOnce, type Steps } from './steps.js';
import { f64 } from './typed-access.js';
import { hammingBound, sketchVector, type VectorSketch } from './vector-sketch.js';

/** Candidates taken from the Hamming scan per search: at least this many, and CANDIDATES_PER_RESULT per result. */
export const MIN_CANDIDATES = 1600;
const CANDIDATES_PER_RESULT = 40;
/** Above this many candidates the Hamming stage is skipped and every live row is estimated. */
const MAX_CANDIDATES = 20_000;

/** A hit of the index: the row (its memory's columns, read with the vector), and its exact cosine similarity. */
export interface IndexHit {
  id: string;
  bankId: string;
  seq: number;
  similarity: number;
  row: MemoryRow;
}

/**
 * The in-process candidate index over the store's banks (sqlite-vec has no ANN index). SQLite stays the store of
 * record: the index only proposes rows, and every answer is re-scored from the stored float vectors, so a stale or
 * missing entry can cost recall but never returns a wrong score or a deleted row. Banks load lazily from
 * `memory_sketches` once the embedder's dimension is known (`start`). Commits of other connections are noticed
 * through `PRAGMA data_version`: their new rows are appended, and an erase by another connection (seen as a change
 * of `erase_epoch`) drops the loaded banks so they reload. This connection's own writes reach it through the
 * IndexJournal.
 */
export class CandidateIndex {
  private readonly db: Database.Database;
  private readonly statements: StatementCache;
  private dimensions = 0;
  private readonly banks = new Map<string, BankIndex>();
  private dataVersion: number;
  private eraseEpoch: string;

  constructor(db: Database.Database, statements: StatementCache) {
    this.db = db;
    this.statements = statements;
    this.dataVersion = this.readDataVersion();
    this.eraseEpoch = readEraseEpoch(statements);
  }

  /** Whether `start` has run: banks can load. */
  get started(): boolean {
    return this.dimensions > 0;
  }

  /** Sets the embedder's dimension, which every bank's int8 codes have. */
  start(dimensions: number): void {
    this.dimensions = dimensions;
  }

  /** Drops every loaded bank and takes the new dimension: the vectors were replaced (a re-embedding's switch). */
  reset(dimensions: number): void {
    this.banks.clear();
    this.dimensions = dimensions;
  }

  /** Catches up with commits made by other connections since the last call. Call inside the operation's transaction. */
  sync(): void {
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    const epoch = readEraseEpoch(this.statements);
    if (epoch !== this.eraseEpoch) {
      // Rows went away elsewhere, and SQLite may hand a freed rowid to a new row: reload rather than patch.
      this.eraseEpoch = epoch;
      this.banks.clear();
      return;
    }
    for (const bank of this.banks.values()) runAtOnce(this.appendFrom(bank));
  }

  /** This connection committed an erase that set the epoch to `epoch`; its index already follows it. */
  erasedHere(epoch: string): void {
    this.eraseEpoch = epoch;
  }

  /** The bank's index, loading it from the database on first use (at once: see `load`). */
  bank(bankId: string): BankIndex {
    return this.banks.get(bankId) ?? runAtOnce(this.load(bankId));
  }

  /**
   * Loads the bank's index from the database if it is not in memory, in steps of ROWS_PER_STEP rows: run them sliced
   * inside a transaction that gives the event loop turns, which nothing else of the store's connection can enter
   * meanwhile.
   */
  *load(bankId: string): Steps<BankIndex> {
    const loaded = this.banks.get(bankId);
    if (loaded) return loaded;
    const bank = new BankIndex(bankId, this.dimensions, countSketchRows(this.statements, bankId) + 16);
    yield* this.appendFrom(bank);
    this.banks.set(bankId, bank);
    return bank;
  }

  /** The bank's index if it is in memory. */
  loaded(bankId: string): BankIndex | undefined {
    return this.banks.get(bankId);
  }

  /**
   * The k rows of the banks most similar to `embedding` among those passing `filter`, by exact cosine. Candidates
   * come from the Hamming scan; their int8 estimates with a proven error bound decide which few are re-scored from
   * the stored floats, so the int8 stage never drops a row that could make the top k. Null for a zero query.
   */
  search(bankIds: string[], embedding: Float32Array, k: number, filter: SlotFilter): IndexHit[] | null {
    const query = unitQuery(embedding);
    if (!query) return null;
    const signature = sketchVector(embedding).signature;
    const want = Math.min(MAX_CANDIDATES, Math.max(MIN_CANDIDATES, k * CANDIDATES_PER_RESULT));
    const seqs: number[] = [];
    const lows: number[] = [];
    const highs: number[] = [];
    for (const bankId of bankIds) {
      const bank = this.bank(bankId);
      for (const slot of bank.nearestByHamming(signature, want, filter)) {
        const value = estimate(bank.slots, query, slot);
        const error = estimateError(bank.slots, query, slot);
        seqs.push(bank.slots.seq(slot));
        lows.push(value - error);
        highs.push(value + error);
      }
    }
    if (seqs.length === 0) return [];
    // The k-th best lower bound: a row whose upper bound is below it cannot be among the k best. (Float64Array.from
    // with a mapping function measured slower than the whole int8 estimate stage.)
    const sorted = Float64Array.from(lows).sort();
    const floor = f64(sorted, Math.max(0, sorted.length - k));
    const finalists = seqs.filter((_, i) => (highs[i] ?? Number.NEGATIVE_INFINITY) >= floor);
    return this.rescore(finalists, query)
      .sort((a, b) => b.similarity - a.similarity || a.seq - b.seq)
      .slice(0, k);
  }

  /**
   * The most similar live row of the bank at or above `threshold`, other than `excludeId`, or null. Candidates come
   * from the LSH buckets of the record's signature; each is confirmed by exact cosine against the stored vector.
   */
  nearDuplicate(
    bankId: string,
    embedding: Float32Array,
    sketch: VectorSketch,
    threshold: number,
    excludeId: string | null,
  ): IndexHit | null {
    const bank = this.bank(bankId);
    const uncertain = sketch.uncertain ?? sketchVector(embedding, true).uncertain ?? new Uint8Array(0);
    const candidates = bank.nearDuplicateCandidates(sketch.signature, uncertain, hammingBound(threshold));
    // A record without candidates needs no query.
    const query = candidates.length > 0 ? unitQuery(embedding) : null;
    if (!query) return null;
    const seqs: number[] = [];
    for (const slot of candidates) {
      if (estimate(bank.slots, query, slot) + estimateError(bank.slots, query, slot) >= threshold)
        seqs.push(bank.slots.seq(slot));
    }
    if (seqs.length === 0) return null;
    let best: IndexHit | null = null;
    for (const hit of this.rescore(seqs, query)) {
      if (hit.id === excludeId || hit.similarity < threshold) continue;
      if (!best || hit.similarity > best.similarity) best = hit;
    }
    return best;
  }

  // Exact cosine from the stored floats; rows deleted meanwhile simply do not come back. The memory's columns come
  // with the vector (the same row is read for its id): recall then reads none of its hits again.
  private rescore(seqs: number[], query: UnitQuery): IndexHit[] {
    if (seqs.length === 0) return [];
    const rows = this.statements
      .prepare(
        `SELECT e.seq AS vector_seq, e.embedding AS vector, ${MEMORY_COLUMNS}
         FROM memory_embeddings e JOIN memories m ON m.seq = e.seq WHERE e.seq IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(seqs)) as (MemoryRow & { vector_seq: number; vector: Buffer })[];
    return rows.map(({ vector_seq, vector, ...row }) => ({
      id: row.id,
      bankId: row.bank_id,
      seq: vector_seq,
      similarity: cosineToQuery(query, floats(vector)),
      row,
    }));
  }

  // Appends the bank's rows committed since its highest rowid (skipping any it holds already), in steps.
  private *appendFrom(bank: BankIndex): Steps<void> {
    let rows = 0;
    for (const row of readSketchRows(this.statements, bank.bankId, bank.maxSeq)) {
      if (!bank.slots.has(row.seq)) bank.add(row.seq, row.moment, row.expiresAt, row.sketch);
      if (++rows % ROWS_PER_STEP === 0) yield;
    }
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
