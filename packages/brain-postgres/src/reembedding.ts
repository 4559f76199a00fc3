import { StorageError } from '@astrocyte/core';
import {
  checkReembedTarget,
  checkVector,
  type EmbedderInfo,
  type ReembedItem,
  type ReembedState,
  type StagedVector,
  type StoreReembedding,
} from '@astrocyte/core/backend';
import type pg from 'pg';
import type { PostgresConnection } from './connection.js';
import { vectorLiteral } from './memory-rows.js';
import {
  createEmbeddingIndex,
  type HnswBuild,
  type StoredEmbedder,
  type StoreSql,
  storedEmbedder,
  storeSql,
} from './schema.js';
import { lockBanks } from './writer.js';

type PendingRow = { bank_id: string; seq: string; id: string; text: string; speaker: string | null };

/**
 * Re-embedding on Postgres: new vectors wait in `reembed_vectors` (keyed by memory, deleted with it by a foreign key)
 * under the target recorded in the meta table as 'reembed_target', while searches use the `embedding` column. The
 * switch is one transaction: it holds the recorded embedder's row (inserts of every process wait, see the writer)
 * and the table against other writers, embeds what is still missing, replaces the column with one of the new type
 * and dimension filled from the staged vectors, rebuilds the HNSW index and records the new embedder. Recall waits
 * for the column swap and the index build, and only for them.
 */
export class PostgresReembedding implements StoreReembedding {
  constructor(
    private readonly db: PostgresConnection,
    private readonly sql: StoreSql,
    private readonly extensionSchema: string,
    private readonly hnsw: HnswBuild,
    private readonly switched: (embedder: StoredEmbedder) => void,
  ) {}

  /** The recorded embedder, the target and the counts, in one statement. */
  async state(): Promise<ReembedState> {
    const { sql } = this;
    const { rows } = await this.db.query<{
      current: EmbedderInfo | null;
      target: EmbedderInfo | null;
      staged: string;
      total: string;
    }>(
      `SELECT (SELECT value FROM ${sql.meta} WHERE key = 'embedder') AS current,
              (SELECT value FROM ${sql.meta} WHERE key = 'reembed_target') AS target,
              (SELECT count(*) FROM ${sql.staged}) AS staged,
              (SELECT count(*) FROM ${sql.memories}) AS total`,
    );
    const row = rows[0];
    if (!row?.current) throw this.notRecorded();
    return {
      current: { name: row.current.name, dimensions: row.current.dimensions },
      target: row.target ? { name: row.target.name, dimensions: row.target.dimensions } : null,
      staged: Number(row.staged),
      total: Number(row.total),
    };
  }

  /** Records the target, unless another is in progress (two processes beginning at once agree on one). */
  async begin(target: EmbedderInfo): Promise<void> {
    const { sql } = this;
    const { rows } = await this.db.query<{ value: EmbedderInfo | null; recorded: boolean }>(
      `WITH added AS (
         INSERT INTO ${sql.meta} (key, value) SELECT 'reembed_target', $1::jsonb
         WHERE EXISTS (SELECT 1 FROM ${sql.meta} WHERE key = 'embedder')
         ON CONFLICT (key) DO NOTHING RETURNING value)
       SELECT COALESCE((SELECT value FROM added), (SELECT value FROM ${sql.meta} WHERE key = 'reembed_target')) AS value,
              EXISTS (SELECT 1 FROM ${sql.meta} WHERE key = 'embedder') AS recorded`,
      [JSON.stringify({ name: target.name, dimensions: target.dimensions })],
    );
    if (!rows[0]?.recorded) throw this.notRecorded();
    // Null when another process recorded a target after this statement's snapshot: read it now it has committed.
    const recorded = rows[0].value ?? (await this.state()).target;
    checkReembedTarget(recorded, target);
  }

  /** Live memories without a staged vector, by bank and insertion order; the cursor is the last (bank, seq). */
  async pending(cursor: string | null, limit: number): Promise<{ items: ReembedItem[]; cursor: string | null }> {
    const after = cursor === null ? null : (JSON.parse(cursor) as [string, string]);
    const { sql } = this;
    // A plain row comparison (no OR for the first page): each page is a range scan of the (bank_id, seq) index from
    // the cursor, anti-joined by primary key to the staged vectors, instead of a scan of the table from the top.
    const { rows } = await this.db.query<PendingRow>(
      `SELECT m.bank_id, m.seq, m.id, m.text, m.speaker FROM ${sql.memories} m
        WHERE ${after ? '(m.bank_id, m.seq) > ($2::text, $3::bigint) AND' : ''}
              NOT EXISTS (SELECT 1 FROM ${sql.staged} r WHERE r.bank_id = m.bank_id AND r.memory_id = m.id)
        ORDER BY m.bank_id, m.seq LIMIT $1`,
      after ? [limit, after[0], after[1]] : [limit],
    );
    const last = rows.at(-1);
    return {
      items: rows.map(itemOf),
      cursor: rows.length === limit && last ? JSON.stringify([last.bank_id, last.seq]) : null,
    };
  }

  /** Stages the vectors of the memories still live, under their banks' locks, replacing any staged before. */
  async stage(target: EmbedderInfo, vectors: StagedVector[]): Promise<void> {
    checkVectors(vectors, target);
    if (vectors.length === 0) return;
    await this.db.transaction(async (client) => {
      await this.checkTarget(client, target, 'SHARE');
      // An erase holds its bank's lock: a memory erased meanwhile is gone before this looks, never half-way.
      await lockBanks(
        client,
        this.sql,
        vectors.map((v) => v.bankId),
      );
      await this.write(client, vectors);
    });
  }

  /** Embeds and stages what is missing, then swaps the column and index for the new model's in one transaction. */
  async switchTo(target: EmbedderInfo, embedMissing: (items: ReembedItem[]) => Promise<Float32Array[]>): Promise<void> {
    const { sql } = this;
    const stored = storedEmbedder(target);
    const next = storeSql(sql.schema, this.extensionSchema, stored);
    await this.db.transaction(async (client) => {
      // The embedder's row first (inserts take it shared before their banks' locks), then the table against the other
      // writers (erase); readers go on until the column swap below.
      await client.query(`SELECT 1 FROM ${sql.meta} WHERE key = 'embedder' FOR UPDATE`);
      await client.query(`LOCK TABLE ${sql.memories} IN SHARE ROW EXCLUSIVE MODE`);
      await this.checkTarget(client, target, 'UPDATE');
      const { rows } = await client.query<PendingRow>(
        `SELECT m.bank_id, m.seq, m.id, m.text, m.speaker FROM ${sql.memories} m
          WHERE NOT EXISTS (SELECT 1 FROM ${sql.staged} r WHERE r.bank_id = m.bank_id AND r.memory_id = m.id)`,
      );
      if (rows.length > 0) {
        const missing = rows.map(itemOf);
        const vectors = await embedMissing(missing);
        const staged = missing.map((item, i) => ({ ...item, embedding: vectors[i] as Float32Array }));
        checkVectors(staged, target);
        await this.write(client, staged);
      }
      const { rows: counts } = await client.query<{ live: string; vectors: string }>(
        `SELECT (SELECT count(*) FROM ${sql.memories}) AS live, (SELECT count(*) FROM ${sql.staged}) AS vectors`,
      );
      if (counts[0]?.live !== counts[0]?.vectors)
        throw new StorageError(
          `@astrocyte/brain-postgres: the switch found ${counts[0]?.vectors} new vectors for ${counts[0]?.live} memories; nothing changed`,
        );
      // Dropping the column drops its HNSW index; the new column is filled from the staged vectors, then indexed.
      await client.query(`ALTER TABLE ${sql.memories} DROP COLUMN embedding`);
      await client.query(`ALTER TABLE ${sql.memories} ADD COLUMN embedding ${next.vectorType}(${target.dimensions})`);
      await client.query(
        `UPDATE ${sql.memories} m SET embedding = r.embedding::${next.vectorType}(${target.dimensions})
           FROM ${sql.staged} r WHERE r.bank_id = m.bank_id AND r.memory_id = m.id`,
      );
      await client.query(`ALTER TABLE ${sql.memories} ALTER COLUMN embedding SET NOT NULL`);
      await createEmbeddingIndex(client, next, this.extensionSchema, this.hnsw);
      await client.query(`UPDATE ${sql.meta} SET value = $1 WHERE key = 'embedder'`, [JSON.stringify(stored)]);
      await client.query(`DELETE FROM ${sql.meta} WHERE key = 'reembed_target'`);
      await client.query(`DELETE FROM ${sql.staged}`);
    });
    this.switched(stored);
  }

  /** Drops the target (waiting for stagers under way) and the staged vectors. */
  async cancel(): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query(`DELETE FROM ${this.sql.meta} WHERE key = 'reembed_target'`);
      await client.query(`DELETE FROM ${this.sql.staged}`);
    });
  }

  // Stagers hold the target's row shared, the switch and cancel exclusively: neither stages for a target that left.
  private async checkTarget(client: pg.PoolClient, target: EmbedderInfo, mode: 'SHARE' | 'UPDATE'): Promise<void> {
    const { rows } = await client.query<{ value: EmbedderInfo }>(
      `SELECT value FROM ${this.sql.meta} WHERE key = 'reembed_target' FOR ${mode}`,
    );
    checkReembedTarget(rows[0]?.value ?? null, target);
  }

  // Memories erased since they were embedded are skipped: the join finds no row.
  private async write(client: pg.PoolClient, vectors: StagedVector[]): Promise<void> {
    const { sql } = this;
    await client.query(
      `INSERT INTO ${sql.staged} (bank_id, memory_id, embedding)
       SELECT m.bank_id, m.id, u.vector::${this.extensionSchema}.vector
         FROM unnest($1::text[], $2::text[], $3::text[]) AS u(bank_id, id, vector)
         JOIN ${sql.memories} m ON m.bank_id = u.bank_id AND m.id = u.id
       ON CONFLICT (bank_id, memory_id) DO UPDATE SET embedding = EXCLUDED.embedding`,
      [vectors.map((v) => v.bankId), vectors.map((v) => v.id), vectors.map((v) => vectorLiteral(v.embedding))],
    );
  }

  private notRecorded(): StorageError {
    return new StorageError(
      '@astrocyte/brain-postgres: no embedder is recorded in this schema yet; call ensureEmbedder first',
      { code: 'embedder_not_recorded', details: { schema: this.sql.schema } },
    );
  }
}

function itemOf(row: PendingRow): ReembedItem {
  return { bankId: row.bank_id, id: row.id, text: row.text, speaker: row.speaker };
}

// pgvector refuses NaN and infinities, and a vector of another size would fail the swap: refused before any write.
function checkVectors(vectors: StagedVector[], target: EmbedderInfo): void {
  for (const [i, { embedding }] of vectors.entries())
    checkVector(embedding, target.dimensions, `vectors[${i}].embedding`);
}
