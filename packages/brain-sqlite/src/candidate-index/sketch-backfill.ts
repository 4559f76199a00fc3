import type Database from 'better-sqlite3';
import type { StatementCache } from '../statement-cache.js';
import { floats } from '../vector-blobs.js';
import { writeSketchRow } from './sketch-rows.js';
import { SKETCH_SCHEME, sketchVector } from './vector-sketch.js';

/**
 * Sketches the rows stored before sketches existed (flagged 'sketch_backfill' by the migration), then records the
 * sketch scheme. Runs before the candidate index starts: it needs the embedder's dimension.
 */
export function prepareSketches(database: Database.Database, statements: StatementCache): void {
  const pending = database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_backfill'").get();
  if (pending) backfillSketches(database, statements);
  database.prepare("INSERT OR REPLACE INTO astrocyte_meta (key, value) VALUES ('sketch_scheme', ?)").run(SKETCH_SCHEME);
}

// One pass over the vec0 table (reading a chunk in order is fast; reading vectors by rowid is not). The rows are
// collected first because better-sqlite3 cannot write while a statement is still reading.
function backfillSketches(database: Database.Database, statements: StatementCache): void {
  database
    .transaction(() => {
      if (!database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_backfill'").get()) return;
      const vectors: { seq: number; embedding: Buffer }[] = [];
      for (const row of database
        .prepare('SELECT rowid AS seq, embedding FROM memory_vectors')
        .iterate() as IterableIterator<{ seq: number; embedding: Buffer }>) {
        vectors.push({ seq: row.seq, embedding: Buffer.from(row.embedding) });
      }
      const meta = database.prepare(
        'SELECT bank_id, COALESCE(occurred_at, created_at) AS moment, expires_at FROM memories WHERE seq = ?',
      );
      const done = database.prepare('SELECT 1 FROM memory_sketches WHERE seq = ?');
      for (const { seq, embedding } of vectors) {
        const row = meta.get(seq) as { bank_id: string; moment: number; expires_at: number | null } | undefined;
        if (!row || done.get(seq)) continue;
        const sketch = sketchVector(floats(embedding));
        writeSketchRow(statements, BigInt(seq), row.bank_id, row.moment, row.expires_at, sketch, embedding);
      }
      database.prepare("DELETE FROM astrocyte_meta WHERE key = 'sketch_backfill'").run();
    })
    .immediate();
}
