import type Database from 'better-sqlite3';
import type { StatementCache } from '../statement-cache.js';
import { floats } from '../vector-blobs.js';
import { inImmediateTransaction } from '../write-lock.js';
import { writeSketchRow } from './sketch-rows.js';
import { SKETCH_SCHEME, sketchVector } from './vector-sketch.js';

/**
 * Sketches the rows stored before sketches existed (flagged 'sketch_backfill' by the migration), then records the
 * sketch scheme. Runs before the candidate index starts: it needs the embedder's dimension. Each write waits for
 * another connection's lock up to `busyTimeoutMs` (see takingWriteLock).
 */
export function prepareSketches(database: Database.Database, statements: StatementCache, busyTimeoutMs: number): void {
  const pending = database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_backfill'").get();
  if (pending) inImmediateTransaction(database, busyTimeoutMs, () => backfillSketches(database, statements));
  // Written only when it changes: a write at every open would wait for another process's write lock.
  const recorded = database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_scheme'").pluck().get();
  if (recorded !== SKETCH_SCHEME)
    inImmediateTransaction(database, busyTimeoutMs, () =>
      database
        .prepare("INSERT OR REPLACE INTO astrocyte_meta (key, value) VALUES ('sketch_scheme', ?)")
        .run(SKETCH_SCHEME),
    );
}

type UnsketchedRow = { seq: number; embedding: Buffer; bank_id: string; moment: number; expires_at: number | null };

/**
 * Sketches the stored vectors of live rows that have no sketch, with a rowid above `after`, at most `limit` of them
 * in rowid order; returns the last rowid sketched, or null when none was left. The rows are read first because
 * better-sqlite3 cannot write while a statement is still reading.
 */
export function sketchMissing(statements: StatementCache, after: number, limit: number): number | null {
  const rows = statements
    .prepare(
      `SELECT e.seq, e.embedding, m.bank_id, COALESCE(m.occurred_at, m.created_at) AS moment, m.expires_at
       FROM memory_embeddings e JOIN memories m ON m.seq = e.seq
       WHERE e.seq > ? AND NOT EXISTS (SELECT 1 FROM memory_sketches s WHERE s.seq = e.seq)
       ORDER BY e.seq LIMIT ?`,
    )
    .all(after, limit) as UnsketchedRow[];
  for (const row of rows) {
    const sketch = sketchVector(floats(row.embedding));
    writeSketchRow(statements, BigInt(row.seq), row.bank_id, row.moment, row.expires_at, sketch);
  }
  return rows.at(-1)?.seq ?? null;
}

// One pass over the stored vectors of the live rows without a sketch, in the transaction that clears the flag.
function backfillSketches(database: Database.Database, statements: StatementCache): void {
  if (!database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_backfill'").get()) return;
  sketchMissing(statements, 0, -1);
  database.prepare("DELETE FROM astrocyte_meta WHERE key = 'sketch_backfill'").run();
}
