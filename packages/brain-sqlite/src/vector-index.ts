import type Database from 'better-sqlite3';
import { BankVectorIndex, type SlotFilter } from './bank-vector-index.js';
import { StatementCache } from './statement-cache.js';
import { floats } from './vector-blobs.js';
import {
  cosineToUnit,
  hammingBound,
  SIGNATURE_WORDS,
  sketchVector,
  unitQuery,
  type VectorSketch,
} from './vector-sketch.js';

/** Candidates taken from the Hamming scan per search: at least this many, and CANDIDATES_PER_RESULT per result. */
export const MIN_CANDIDATES = 1600;
const CANDIDATES_PER_RESULT = 40;
/** Above this many candidates the Hamming stage is skipped and every live row is estimated. */
const MAX_CANDIDATES = 20_000;

/** A hit of the index: the row, its bank and its exact cosine similarity. */
export interface IndexHit {
  id: string;
  bankId: string;
  seq: number;
  similarity: number;
}

type SketchRow = {
  seq: number;
  moment: number;
  expires_at: number | null;
  signature: Buffer;
  code: Buffer;
  scale: number;
};

interface Journal {
  sizes: Map<BankVectorIndex, { size: number; maxSeq: number }>;
  removals: { bank: BankVectorIndex; slot: number }[];
}

/**
 * The in-process candidate index over the store's banks. SQLite stays the store of record: the index only proposes
 * rows, and every answer is re-scored from the stored float vectors, so a stale or missing entry can cost recall
 * but never returns a wrong score or a deleted row. Banks load lazily from `memory_sketches`. Commits of other
 * connections are noticed through `PRAGMA data_version`: their new rows are appended, and an erase by another
 * connection (seen as a change of `erase_epoch`) drops the loaded banks so they reload. Within this connection the
 * index follows the store's own writes, applied when the transaction commits and undone when it rolls back.
 */
export class VectorIndex {
  private readonly db: Database.Database;
  private readonly dimensions: number;
  private readonly banks = new Map<string, BankVectorIndex & { maxSeq: number }>();
  private dataVersion: number;
  private eraseEpoch: string;
  private journal: Journal | null = null;
  private readonly statements: StatementCache;

  constructor(db: Database.Database, dimensions: number) {
    this.db = db;
    this.dimensions = dimensions;
    this.statements = new StatementCache(db);
    this.dataVersion = this.readDataVersion();
    this.eraseEpoch = this.readEraseEpoch();
  }

  /** Catches up with commits made by other connections since the last call. Call inside the operation's transaction. */
  sync(): void {
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    const epoch = this.readEraseEpoch();
    if (epoch !== this.eraseEpoch) {
      // Rows went away elsewhere, and SQLite may hand a freed rowid to a new row: reload rather than patch.
      this.eraseEpoch = epoch;
      this.banks.clear();
      return;
    }
    for (const bank of this.banks.values()) this.appendFrom(bank, bank.maxSeq);
  }

  /** The bank's index, loading it from the database on first use. */
  bank(bankId: string): BankVectorIndex {
    let bank = this.banks.get(bankId);
    if (!bank) {
      const count = this.stmt('SELECT count(*) FROM memory_sketches WHERE bank_id = ?').pluck().get(bankId) as number;
      bank = Object.assign(new BankVectorIndex(bankId, this.dimensions, count + 16), { maxSeq: 0 });
      this.appendFrom(bank, 0);
      this.banks.set(bankId, bank);
    }
    return bank;
  }

  /** Starts recording the index changes of a write transaction. */
  begin(): void {
    this.journal = { sizes: new Map(), removals: [] };
  }

  /** Records a row this transaction inserted: appended at once so later records of the batch see it. */
  added(bankId: string, seq: number, moment: number, expiresAt: number | null, sketch: VectorSketch): void {
    const bank = this.banks.get(bankId);
    if (!bank) return;
    if (this.journal && !this.journal.sizes.has(bank))
      this.journal.sizes.set(bank, { size: bank.size, maxSeq: bank.maxSeq });
    bank.add(seq, moment, expiresAt, sketch);
    bank.maxSeq = Math.max(bank.maxSeq, seq);
  }

  /**
   * Records a row this transaction deleted; it leaves the index when the transaction commits. The slot is resolved
   * now: a row inserted later in the same transaction may reuse the rowid.
   */
  removed(bankId: string, seq: number): void {
    const bank = this.banks.get(bankId);
    const slot = bank?.slotOf(seq);
    if (this.journal && bank && slot !== undefined) this.journal.removals.push({ bank, slot });
  }

  /** Applies the transaction's deletions; `eraseEpoch` is the value this transaction wrote, if it deleted rows. */
  commit(eraseEpoch: string | null): void {
    const journal = this.journal;
    this.journal = null;
    if (!journal) return;
    for (const { bank, slot } of journal.removals) bank.removeSlot(slot);
    for (const bank of journal.sizes.keys()) bank.settle();
    if (eraseEpoch !== null) this.eraseEpoch = eraseEpoch;
  }

  /** Undoes the transaction's appends. */
  rollback(): void {
    const journal = this.journal;
    this.journal = null;
    if (!journal) return;
    for (const [bank, before] of journal.sizes) {
      bank.truncate(before.size);
      (bank as BankVectorIndex & { maxSeq: number }).maxSeq = before.maxSeq;
    }
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
        const value = bank.estimate(query, slot);
        const error = bank.estimateError(query, slot);
        seqs.push(bank.seqs[slot] as number);
        lows.push(value - error);
        highs.push(value + error);
      }
    }
    if (seqs.length === 0) return [];
    // The k-th best lower bound: a row whose upper bound is below it cannot be among the k best. (Float64Array.from
    // with a mapping function measured slower than the whole int8 estimate stage.)
    const sorted = Float64Array.from(lows).sort();
    const floor = sorted[Math.max(0, sorted.length - k)] as number;
    const finalists = seqs.filter((_, i) => (highs[i] as number) >= floor);
    return this.rescore(finalists, query.unit)
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
    const query = unitQuery(embedding);
    if (!query) return null;
    const bank = this.bank(bankId);
    const seqs: number[] = [];
    const uncertain = sketch.uncertain ?? sketchVector(embedding).uncertain ?? new Uint8Array(0);
    for (const slot of bank.nearDuplicateCandidates(sketch.signature, uncertain, hammingBound(threshold))) {
      if (bank.estimate(query, slot) + bank.estimateError(query, slot) >= threshold)
        seqs.push(bank.seqs[slot] as number);
    }
    if (seqs.length === 0) return null;
    let best: IndexHit | null = null;
    for (const hit of this.rescore(seqs, query.unit)) {
      if (hit.id === excludeId || hit.similarity < threshold) continue;
      if (!best || hit.similarity > best.similarity) best = hit;
    }
    return best;
  }

  /** Whether the bank's index is in memory. */
  isLoaded(bankId: string): boolean {
    return this.banks.has(bankId);
  }

  // Exact cosine from the stored floats; rows deleted meanwhile simply do not come back.
  private rescore(seqs: number[], unit: Float64Array): IndexHit[] {
    if (seqs.length === 0) return [];
    const rows = this.stmt(
      `SELECT e.seq, e.embedding, m.id, m.bank_id FROM memory_embeddings e JOIN memories m ON m.seq = e.seq
       WHERE e.seq IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(seqs)) as { seq: number; embedding: Buffer; id: string; bank_id: string }[];
    return rows.map((row) => ({
      id: row.id,
      bankId: row.bank_id,
      seq: row.seq,
      similarity: cosineToUnit(unit, floats(row.embedding)),
    }));
  }

  private appendFrom(bank: BankVectorIndex & { maxSeq: number }, afterSeq: number): void {
    const rows = this.stmt(
      `SELECT seq, moment, expires_at, signature, code, scale FROM memory_sketches
       WHERE bank_id = ? AND seq > ? ORDER BY seq`,
    ).iterate(bank.bankId, afterSeq) as IterableIterator<SketchRow>;
    for (const row of rows) {
      if (bank.has(row.seq)) continue;
      bank.add(row.seq, row.moment, row.expires_at, {
        signature: words(row.signature),
        code: new Int8Array(row.code.buffer, row.code.byteOffset, row.code.byteLength),
        scale: row.scale,
      });
      bank.maxSeq = Math.max(bank.maxSeq, row.seq);
    }
  }

  private stmt(sql: string): Database.Statement {
    return this.statements.prepare(sql);
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  private readEraseEpoch(): string {
    return (
      (this.stmt("SELECT value FROM astrocyte_meta WHERE key = 'erase_epoch'").pluck().get() as string | undefined) ??
      '0'
    );
  }
}

function words(blob: Buffer): Uint32Array {
  const copy = new Uint8Array(SIGNATURE_WORDS * 4);
  copy.set(blob.subarray(0, copy.length));
  return new Uint32Array(copy.buffer);
}
