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

type UnsketchedRow = { seq: number; embedding: Buffer; bank_id: string; moment: number; expires_at: number | null };

// One pass over the stored vectors of the live rows without a sketch. The rows are collected first because
// better-sqlite3 cannot write while a statement is still reading.
function backfillSketches(database: Database.Database, statements: StatementCache): void {
  database
    .transaction(() => {
      if (!database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_backfill'").get()) return;
      const rows = database
        .prepare(
          `SELECT e.seq, e.embedding, m.bank_id, COALESCE(m.occurred_at, m.created_at) AS moment, m.expires_at
           FROM memory_embeddings e JOIN memories m ON m.seq = e.seq
           WHERE NOT EXISTS (SELECT 1 FROM memory_sketches s WHERE s.seq = e.seq)`,
        )
        .all() as UnsketchedRow[];
      for (const row of rows) {
        const sketch = sketchVector(floats(row.embedding));
        writeSketchRow(statements, BigInt(row.seq), row.bank_id, row.moment, row.expires_at, sketch);
      }
      database.prepare("DELETE FROM astrocyte_meta WHERE key = 'sketch_backfill'").run();
    })
    .immediate();
}
