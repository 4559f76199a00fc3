import type Database from 'better-sqlite3';
import type { RawEngine, RawHit } from './raw-engine.js';

/**
 * Direct sqlite-vec and FTS5 queries over the tables `@astrocyte/brain-sqlite` writes (memories, memory_embeddings,
 * memory_fts), on the store's own connection so both read the same page cache. They keep only what a minimal
 * application needs: the bank partition, the kNN or MATCH, and the row's text; no expiry, time or tag filters.
 */
export class RawSqliteEngine implements RawEngine {
  readonly name = 'sqlite-vec + FTS5';
  private readonly vectorQuery: Database.Statement;
  private readonly keywordQuery: Database.Statement;

  constructor(database: Database.Database) {
    this.vectorQuery = database.prepare(
      `SELECT m.id, m.text, vec_distance_cosine(e.embedding, ?) AS distance
       FROM memories m JOIN memory_embeddings e ON e.seq = m.seq WHERE m.bank_id = ?
       ORDER BY distance LIMIT ?`,
    );
    this.keywordQuery = database.prepare(
      `SELECT m.id, m.text, bm25(memory_fts) AS rank FROM memory_fts JOIN memories m ON m.seq = memory_fts.rowid
       WHERE memory_fts MATCH ? AND m.bank_id = ? ORDER BY rank LIMIT ?`,
    );
  }

  async vector(bankId: string, embedding: Float32Array, k: number): Promise<RawHit[]> {
    const blob = Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength);
    const rows = this.vectorQuery.all(blob, bankId, k) as { id: string; text: string; distance: number }[];
    return rows.map((r) => ({ id: r.id, text: r.text, score: 1 - r.distance }));
  }

  async exactVector(bankId: string, embedding: Float32Array, k: number): Promise<RawHit[]> {
    // The scan reads every float vector of the bank, so it is already exact.
    return this.vector(bankId, embedding, k);
  }

  async keyword(bankId: string, terms: string[], k: number): Promise<RawHit[]> {
    // The same MATCH shape the store builds: every term a quoted phrase, OR'ed.
    const match = terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ');
    const rows = this.keywordQuery.all(match, bankId, k) as { id: string; text: string; rank: number }[];
    return rows.map((r) => ({ id: r.id, text: r.text, score: -r.rank }));
  }

  async close(): Promise<void> {
    // The connection belongs to the store.
  }
}
