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
import type Database from 'better-sqlite3';
import { sketchMissing } from './candidate-index/sketch-backfill.js';
import type { SqliteConnection, Tick, TransactionFollower } from './connection.js';
import { readEmbedder } from './schema.js';
import { vectorBlob } from './vector-blobs.js';

// Rows sketched between turns of the event loop while the switch rebuilds the candidate index's sketches.
const SKETCH_CHUNK = 500;

type PendingRow = { seq: number; id: string; bank_id: string; text: string; speaker: string | null };

/**
 * Re-embedding on SQLite: new vectors wait in `memory_reembed` (keyed by the memory's rowid, deleted with the memory)
 * under the target recorded as 'reembed_target' in astrocyte_meta, while searches use `memory_embeddings`. The switch
 * is one IMMEDIATE transaction: it embeds what is still missing, moves the staged blobs into `memory_embeddings`,
 * rebuilds every sketch of the candidate index for the new dimension and records the new embedder; the store's
 * in-memory index and embedder follow once it commits.
 */
export class SqliteReembedding implements StoreReembedding {
  // The target of the switch in the open transaction, applied in memory once it commits.
  private switching: EmbedderInfo | null = null;

  /** `switched` is told the new embedder right after the switch commits, before the store's next call runs. */
  constructor(
    private readonly connection: SqliteConnection,
    switched: (target: EmbedderInfo) => void,
  ) {
    const follower: TransactionFollower = {
      committed: () => {
        if (this.switching) switched(this.switching);
        this.switching = null;
      },
      rolledBack: () => {
        this.switching = null;
      },
    };
    connection.follow(follower);
  }

  /** The recorded embedder, the target and the counts, from one snapshot. */
  state(): Promise<ReembedState> {
    return this.connection.readSnapshot('reembedStatus', () => ({
      current: this.recorded(),
      target: this.target(),
      staged: this.count('SELECT count(*) FROM memory_reembed'),
      total: this.count('SELECT count(*) FROM memories'),
    }));
  }

  /** Records the target, unless another is in progress. */
  begin(target: EmbedderInfo): Promise<void> {
    return this.connection.write('beginReembed', () => {
      this.recorded();
      const inProgress = this.target();
      if (inProgress) return checkReembedTarget(inProgress, target);
      this.connection
        .stmt("INSERT INTO astrocyte_meta (key, value) VALUES ('reembed_target', ?)")
        .run(JSON.stringify({ name: target.name, dimensions: target.dimensions }));
    });
  }

  /** Live memories without a staged vector, by rowid; the cursor is the last rowid returned. */
  async pending(cursor: string | null, limit: number): Promise<{ items: ReembedItem[]; cursor: string | null }> {
    const rows = await this.connection.read('reembedPending', () =>
      this.unstaged(cursor === null ? 0 : Number(cursor), limit),
    );
    const last = rows.at(-1);
    return { items: rows.map(itemOf), cursor: rows.length === limit && last ? String(last.seq) : null };
  }

  /** Stages the vectors of the memories still live, replacing any staged before. */
  async stage(target: EmbedderInfo, vectors: StagedVector[]): Promise<void> {
    checkVectors(vectors, target);
    await this.connection.write('stageVectors', () => {
      checkReembedTarget(this.target(), target);
      this.write(vectors);
    });
  }

  /** Embeds and stages what is missing, swaps the vectors, rebuilds the sketches and records the target. */
  async switchTo(target: EmbedderInfo, embedMissing: (items: ReembedItem[]) => Promise<Float32Array[]>): Promise<void> {
    await this.connection.write('switchEmbedder', async (tick) => {
      checkReembedTarget(this.target(), target);
      // The write lock keeps every writer out from here to the commit: nothing can be retained unstaged meanwhile.
      const missing = this.unstaged(0, -1).map(itemOf);
      if (missing.length > 0) {
        const vectors = await embedMissing(missing);
        const staged = missing.map((item, i) => ({ ...item, embedding: vectors[i] as Float32Array }));
        checkVectors(staged, target);
        this.write(staged);
      }
      await this.swap(target, tick);
      this.switching = { name: target.name, dimensions: target.dimensions };
    });
  }

  /** Drops the staged vectors and the target. */
  cancel(): Promise<void> {
    return this.connection.write('cancelReembed', () => {
      this.database.exec(`
        DELETE FROM memory_reembed;
        DELETE FROM astrocyte_meta WHERE key = 'reembed_target';`);
    });
  }

  private async swap(target: EmbedderInfo, tick: Tick): Promise<void> {
    // secure_delete is on: the old vectors' bytes are zeroed in the pages they leave.
    this.database.exec(`
      DELETE FROM memory_embeddings;
      INSERT INTO memory_embeddings (seq, embedding)
        SELECT r.seq, r.embedding FROM memory_reembed r JOIN memories m ON m.seq = r.seq;
      DELETE FROM memory_reembed;
      DELETE FROM memory_sketches;`);
    const live = this.count('SELECT count(*) FROM memories');
    const vectors = this.count('SELECT count(*) FROM memory_embeddings');
    if (vectors !== live)
      throw new StorageError(`sqlite: the switch found ${vectors} new vectors for ${live} memories; nothing changed`);
    let after: number | null = 0;
    while (after !== null) {
      after = sketchMissing(this.connection.statements, after, SKETCH_CHUNK);
      await tick();
    }
    this.connection
      .stmt("UPDATE astrocyte_meta SET value = ? WHERE key = 'embedder'")
      .run(JSON.stringify({ name: target.name, dimensions: target.dimensions }));
    this.connection.stmt("DELETE FROM astrocyte_meta WHERE key = 'reembed_target'").run();
  }

  // Rows erased since they were embedded are skipped: the join finds no memory.
  private write(vectors: StagedVector[]): void {
    const put = this.connection.stmt(
      'INSERT OR REPLACE INTO memory_reembed (seq, embedding) SELECT seq, ? FROM memories WHERE bank_id = ? AND id = ?',
    );
    for (const vector of vectors) put.run(vectorBlob(vector.embedding), vector.bankId, vector.id);
  }

  private unstaged(afterSeq: number, limit: number): PendingRow[] {
    return this.connection
      .stmt(
        `SELECT m.seq, m.id, m.bank_id, m.text, m.speaker FROM memories m
         WHERE m.seq > ? AND NOT EXISTS (SELECT 1 FROM memory_reembed r WHERE r.seq = m.seq)
         ORDER BY m.seq LIMIT ?`,
      )
      .all(afterSeq, limit) as PendingRow[];
  }

  private recorded(): EmbedderInfo {
    const recorded = readEmbedder(this.connection.statements);
    if (!recorded)
      throw new StorageError('sqlite: no embedder is recorded yet; call ensureEmbedder first', {
        code: 'embedder_not_recorded',
      });
    return { name: recorded.name, dimensions: recorded.dimensions };
  }

  private target(): EmbedderInfo | null {
    const value = this.connection.stmt("SELECT value FROM astrocyte_meta WHERE key = 'reembed_target'").pluck().get() as
      | string
      | undefined;
    return value === undefined ? null : (JSON.parse(value) as EmbedderInfo);
  }

  private count(sql: string): number {
    return this.connection.stmt(sql).pluck().get() as number;
  }

  private get database(): Database.Database {
    return this.connection.database;
  }
}

function itemOf(row: PendingRow): ReembedItem {
  return { bankId: row.bank_id, id: row.id, text: row.text, speaker: row.speaker };
}

function checkVectors(vectors: StagedVector[], target: EmbedderInfo): void {
  for (const [i, vector] of vectors.entries())
    checkVector(vector.embedding, target.dimensions, `vectors[${i}].embedding`);
}
