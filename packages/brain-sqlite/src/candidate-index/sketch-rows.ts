import type { StatementCache } from '../statement-cache.js';
import { SIGNATURE_WORDS, type VectorSketch } from './vector-sketch.js';

/** A stored sketch row: a live memory's time, expiry and sketch. */
export interface SketchRow {
  seq: number;
  moment: number;
  expiresAt: number | null;
  sketch: VectorSketch;
}

/** A sketch row as read: seq, moment, expiry, signature and code in hex, scale. */
type StoredRow = [number, number, number | null, string, string, number];

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

// Rows read per statement. A chunk read whole costs less per row than stepping an iterator, and a blob read as hex
// text and decoded into one scratch buffer less than a Buffer allocated per blob, which also left the process's
// allocator holding tens of megabytes once a large bank was loaded: at a million rows the read took 6.7 s with
// blobs stepped one row at a time, 3.5 s so.
const ROWS_PER_READ = 4096;
const SIGNATURE_BYTES = SIGNATURE_WORDS * 4;

/**
 * The bank's sketch rows with a rowid above `afterSeq`, in rowid order. Each row's sketch arrays are reused by the
 * next row: copy them before asking for it.
 */
export function* readSketchRows(statements: StatementCache, bankId: string, afterSeq: number): Generator<SketchRow> {
  const read = statements
    .prepare(
      `SELECT seq, moment, expires_at, hex(signature), hex(code), scale FROM memory_sketches
       WHERE bank_id = ? AND seq > ? ORDER BY seq LIMIT ${ROWS_PER_READ}`,
    )
    .raw();
  const signatureBytes = Buffer.alloc(SIGNATURE_BYTES);
  const signature = new Uint32Array(signatureBytes.buffer, signatureBytes.byteOffset, SIGNATURE_WORDS);
  let codeBytes = Buffer.alloc(0);
  let code = new Int8Array(0);
  let after = afterSeq;
  for (;;) {
    const rows = read.all(bankId, after) as StoredRow[];
    for (const [seq, moment, expiresAt, signatureHex, codeHex, scale] of rows) {
      signatureBytes.write(signatureHex, 'hex');
      if (codeHex.length !== codeBytes.length * 2) {
        codeBytes = Buffer.alloc(codeHex.length / 2);
        code = new Int8Array(codeBytes.buffer, codeBytes.byteOffset, codeBytes.length);
      }
      codeBytes.write(codeHex, 'hex');
      yield { seq, moment, expiresAt, sketch: { signature, code, scale } };
    }
    if (rows.length < ROWS_PER_READ) return;
    after = (rows[rows.length - 1] as StoredRow)[0];
  }
}
