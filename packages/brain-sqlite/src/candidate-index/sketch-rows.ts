import type { StatementCache } from '../statement-cache.js';
import { SIGNATURE_WORDS, type VectorSketch } from './vector-sketch.js';

/** A stored sketch row: a live memory's time, expiry and sketch. */
export interface SketchRow {
  seq: number;
  moment: number;
  expiresAt: number | null;
  sketch: VectorSketch;
}

type StoredRow = {
  seq: number;
  moment: number;
  expires_at: number | null;
  signature: Buffer;
  code: Buffer;
  scale: number;
};

/** Stores a row's sketch for the candidate index. */
export function writeSketchRow(
  statements: StatementCache,
  seq: bigint,
  bankId: string,
  moment: number,
  expiresAt: number | null,
  sketch: VectorSketch,
): void {
  statements
    .prepare(
      `INSERT INTO memory_sketches (seq, bank_id, moment, expires_at, signature, code, scale)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      seq,
      bankId,
      moment,
      expiresAt,
      Buffer.from(sketch.signature.buffer, sketch.signature.byteOffset, sketch.signature.byteLength),
      Buffer.from(sketch.code.buffer, sketch.code.byteOffset, sketch.code.byteLength),
      sketch.scale,
    );
}

/** How many sketch rows the bank has. */
export function countSketchRows(statements: StatementCache, bankId: string): number {
  return statements.prepare('SELECT count(*) FROM memory_sketches WHERE bank_id = ?').pluck().get(bankId) as number;
}

/** The bank's sketch rows with a rowid above `afterSeq`, in rowid order. */
export function* readSketchRows(statements: StatementCache, bankId: string, afterSeq: number): Generator<SketchRow> {
  const rows = statements
    .prepare(
      `SELECT seq, moment, expires_at, signature, code, scale FROM memory_sketches
       WHERE bank_id = ? AND seq > ? ORDER BY seq`,
    )
    .iterate(bankId, afterSeq) as IterableIterator<StoredRow>;
  for (const row of rows) {
    yield {
      seq: row.seq,
      moment: row.moment,
      expiresAt: row.expires_at,
      sketch: {
        signature: words(row.signature),
        code: new Int8Array(row.code.buffer, row.code.byteOffset, row.code.byteLength),
        scale: row.scale,
      },
    };
  }
}

function words(blob: Buffer): Uint32Array {
  const copy = new Uint8Array(SIGNATURE_WORDS * 4);
  copy.set(blob.subarray(0, copy.length));
  return new Uint32Array(copy.buffer);
}
