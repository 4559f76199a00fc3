import pg from 'pg';
import pgvector from 'pgvector';
import type { RawEngine, RawHit } from './raw-engine.js';

/**
 * Direct pgvector and tsvector queries over the table `@astrocyte/brain-postgres` writes, through a pool of its
 * own. The HNSW search settings the store uses (ef_search = max(efSearch, k), relaxed iterative scans) are set once per
 * connection, as a hand-written application would, instead of per query.
 */
export class RawPostgresEngine implements RawEngine {
  readonly name = 'pgvector HNSW + tsvector GIN';
  private readonly pool: pg.Pool;
  private readonly table: string;

  constructor(connectionString: string, schema: string, efSearch: number) {
    this.table = `"${schema.replaceAll('"', '""')}".memories`;
    this.pool = new pg.Pool({ connectionString, max: 4 });
    this.pool.on('connect', (client) => {
      client
        .query(`SET hnsw.ef_search = ${Math.floor(efSearch)}; SET hnsw.iterative_scan = relaxed_order`)
        .catch(() => undefined);
    });
  }

  async vector(bankId: string, embedding: Float32Array, k: number): Promise<RawHit[]> {
    // The store indexes `embedding::halfvec(N)`: only ordering by that very expression walks the HNSW graph.
    const half = `halfvec(${embedding.length})`;
    return this.nearest(bankId, embedding, k, `embedding::${half} <=> $1::vector::${half}`);
  }

  async exactVector(bankId: string, embedding: Float32Array, k: number): Promise<RawHit[]> {
    // `+ 0` hides the ordering from any index (the store's or one on the column): a full scan and exact sort.
    return this.nearest(bankId, embedding, k, '(embedding <=> $1::vector) + 0');
  }

  /** k memories of the bank by `order`, scored by full-precision cosine similarity. */
  private async nearest(bankId: string, embedding: Float32Array, k: number, order: string): Promise<RawHit[]> {
    const { rows } = await this.pool.query<{ id: string; text: string; score: number }>(
      `SELECT id, text, 1 - (embedding <=> $1::vector) AS score FROM ${this.table}
        WHERE bank_id = $2 ORDER BY ${order} LIMIT $3`,
      [pgvector.toSql(Array.from(embedding)), bankId, k],
    );
    return rows;
  }

  async keyword(bankId: string, terms: string[], k: number): Promise<RawHit[]> {
    // The same tsquery shape the store builds: each term through plainto_tsquery, OR'ed.
    const query = terms.map((_, i) => `plainto_tsquery('english'::regconfig, $${i + 3})`).join(' || ');
    const { rows } = await this.pool.query<{ id: string; text: string; score: number }>(
      `SELECT m.id, m.text, ts_rank(m.tsv, q.query) AS score FROM ${this.table} m, (SELECT ${query} AS query) AS q
        WHERE m.bank_id = $1 AND m.tsv @@ q.query ORDER BY score DESC LIMIT $2`,
      [bankId, k, ...terms],
    );
    return rows;
  }

  /** Opens every connection the pool will use, so that connecting is not timed. */
  async warm(): Promise<void> {
    const clients = await Promise.all([0, 1, 2, 3].map(() => this.pool.connect()));
    for (const client of clients) {
      await client.query('SELECT 1');
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
