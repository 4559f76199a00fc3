/**
 * The Hamming scan of the candidate index as WebAssembly SIMD functions, assembled here from their instructions (no
 * binary is shipped, nothing is built at install). Why WebAssembly: JavaScript counts bits a 32-bit word at a time
 * through lookup tables, while i8x16.popcnt counts sixteen bytes in one instruction; the scan of a large bank runs
 * about ten times faster, and every Node the package supports (>= 20) has WebAssembly SIMD. The scan's distances are
 * then sifted there too, eight at a time: at a million memories, picking the 13,600 slots within a bound took 2.9 ms
 * as a JavaScript loop (reading two distances at a time) and takes about half a millisecond here.
 *
 *   scan(rows, count, query, out):      for i < count: out[i] = popcount(rows[i][0..32) ^ query[0..32))
 *   select(distances, count, bound, out) -> n:  out[0..n) = every i < count with distances[i] <= bound, in order
 *   rank(pool, size, tails, scanned, out):  for i < size: out[i] = scanned[pool[i]]
 *                                             + popcount(tails[pool[i]][0..32) ^ query[32..64))
 */

import { ChunkedColumn } from './chunked-column.js';
import { u32 } from './typed-access.js';
import { popcount32 } from './vector-sketch.js';

// Instruction opcodes of the WebAssembly core specification (section 5.4), one constant per instruction used.
const BLOCK = 0x02;
const LOOP = 0x03;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const DROP = 0x1a;
const IF = 0x04;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_LOAD = 0x28;
const I32_LOAD16_U = 0x2f;
const I32_STORE = 0x36;
const I32_STORE16 = 0x3b;
const I32_CONST = 0x41;
const I32_EQZ = 0x45;
const I32_LT_U = 0x49;
const I32_GE_U = 0x4f;
const I32_CTZ = 0x68;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_AND = 0x71;
const I32_SHL = 0x74;
// SIMD instructions: a prefix byte, then the instruction's number.
const SIMD = 0xfd;
const V128_LOAD = 0x00;
const I16X8_SPLAT = 0x10;
const I32X4_EXTRACT_LANE = 0x1b;
const V128_XOR = 0x51;
const I16X8_LE_U = 0x34;
const I8X16_POPCNT = 0x62;
const I8X16_ADD = 0x6e;
const I16X8_EXTADD_PAIRWISE_I8X16_U = 0x7d;
const I32X4_EXTADD_PAIRWISE_I16X8_U = 0x7f;
const I16X8_BITMASK = [0x84, 0x01]; // 132, as unsigned LEB128
// Types.
const I32 = 0x7f;
const V128 = 0x7b;
const FUNCTION_TYPE = 0x60;
const NO_RESULT = 0x40;

// How far ahead of the row it counts the scan reads a word, and drops it: that row's line is then on its way from
// memory when the scan gets there. A machine whose processor did not fetch ahead of the scan by itself scanned the
// first halves of a million rows (32 MB) in 16.5 ms, 3 ms with this; it costs nothing to a scan of rows in cache.
const LOOKAHEAD_BYTES = 4096;

// scan's locals: the four parameters, then two v128 halves of the query, the v128 sum, and the end of the rows.
const ROWS = 0;
const COUNT = 1;
const QUERY = 2;
const OUT = 3;
const QUERY_LOW = 4;
const QUERY_HIGH = 5;
const SUM = 6;
const ROWS_END = 7;

const get = (local: number) => [LOCAL_GET, local];
const set = (local: number) => [LOCAL_SET, local];
// Constants below 64 are one byte of signed LEB128.
const i32 = (value: number) => [I32_CONST, value];
// v128.load with 16-byte alignment (2^4) at a byte offset.
const load = (offset: number) => [SIMD, V128_LOAD, 4, offset];
const lane = (local: number, i: number) => [...get(local), SIMD, I32X4_EXTRACT_LANE, i];
// The popcounts of two 16-byte rows, summed in byte lanes (each at most 16), widened to four 32-bit lanes in `local`.
const popcounts = (rowLow: number[], rowHigh: number[], queryLow: number, queryHigh: number, local: number) => [
  [...rowLow, ...get(queryLow), SIMD, V128_XOR, SIMD, I8X16_POPCNT],
  [...rowHigh, ...get(queryHigh), SIMD, V128_XOR, SIMD, I8X16_POPCNT],
  [SIMD, I8X16_ADD, SIMD, I16X8_EXTADD_PAIRWISE_I8X16_U, SIMD, I32X4_EXTADD_PAIRWISE_I16X8_U, ...set(local)],
];
// The sum of the four 32-bit lanes of `local`, on the stack.
const laneSum = (local: number) => [
  ...lane(local, 0),
  ...lane(local, 1),
  I32_ADD,
  ...lane(local, 2),
  I32_ADD,
  ...lane(local, 3),
  I32_ADD,
];

const SCAN_BODY = [
  [0x02, 0x03, V128, 0x01, I32], // two runs of locals: 3 x v128, 1 x i32
  [...get(QUERY), ...load(0), ...set(QUERY_LOW)],
  [...get(QUERY), ...load(16), ...set(QUERY_HIGH)],
  [...get(ROWS), ...get(COUNT), ...i32(5), I32_SHL, I32_ADD, ...set(ROWS_END)], // rows + count * 32
  [BLOCK, NO_RESULT, LOOP, NO_RESULT],
  [...get(ROWS), ...get(ROWS_END), I32_GE_U, BR_IF, 1], // past the last row: leave the block
  [...get(ROWS), I32_LOAD, 0x02, ...leb(LOOKAHEAD_BYTES), DROP], // 4-byte alignment (2^2), LOOKAHEAD_BYTES ahead
  // Two popcounts of a byte add up to at most 16, so bytes can be added before widening to 16 and 32 bits.
  ...popcounts([...get(ROWS), ...load(0)], [...get(ROWS), ...load(16)], QUERY_LOW, QUERY_HIGH, SUM),
  [...get(OUT), ...laneSum(SUM)],
  [I32_STORE16, 0x01, 0x00], // 2-byte alignment (2^1), offset 0
  [...get(ROWS), ...i32(32), I32_ADD, ...set(ROWS)],
  [...get(OUT), ...i32(2), I32_ADD, ...set(OUT)],
  [BR, 0, END, END, END], // next row; end of loop, block and function
].flat();

// select's locals: the four parameters, then the position, the bit mask of a group, the count kept, the bound in
// every 16-bit lane.
const DISTANCES = 0;
const TOTAL = 1;
const BOUND = 2;
const KEPT = 3;
const AT = 4;
const MASK = 5;
const FOUND = 6;
const BOUNDS = 7;
const SELECT_BODY = [
  [0x02, 0x03, I32, 0x01, V128], // two runs of locals: 3 x i32, 1 x v128
  [...get(BOUND), SIMD, I16X8_SPLAT, ...set(BOUNDS)],
  [BLOCK, NO_RESULT, LOOP, NO_RESULT],
  [...get(AT), ...get(TOTAL), I32_GE_U, BR_IF, 1], // past the last distance: leave the block
  // One bit per distance of the eight at `at` that is within the bound.
  [...get(DISTANCES), ...get(AT), ...i32(1), I32_SHL, I32_ADD, ...load(0)],
  [...get(BOUNDS), SIMD, I16X8_LE_U, SIMD, ...I16X8_BITMASK, ...set(MASK)],
  // The last group may run past `count` (into the padding): its extra lanes are dropped.
  [...get(TOTAL), ...get(AT), I32_SUB, ...i32(8), I32_LT_U, IF, NO_RESULT],
  [...get(MASK), ...i32(1), ...get(TOTAL), ...get(AT), I32_SUB, I32_SHL, ...i32(1), I32_SUB, I32_AND, ...set(MASK)],
  [END],
  // Each set bit, lowest first: out[found++] = at + its lane.
  [BLOCK, NO_RESULT, LOOP, NO_RESULT],
  [...get(MASK), I32_EQZ, BR_IF, 1],
  [...get(KEPT), ...get(FOUND), ...i32(2), I32_SHL, I32_ADD, ...get(AT), ...get(MASK), I32_CTZ, I32_ADD],
  [I32_STORE, 0x02, 0x00], // 4-byte alignment (2^2), offset 0
  [...get(FOUND), ...i32(1), I32_ADD, ...set(FOUND)],
  [...get(MASK), ...get(MASK), ...i32(1), I32_SUB, I32_AND, ...set(MASK)],
  [BR, 0, END, END],
  [...get(AT), ...i32(8), I32_ADD, ...set(AT)],
  [BR, 0, END, END], // next group; end of loop and block
  [...get(FOUND), END], // the count kept; end of function
].flat();

// rank's locals: the five parameters, then the two v128 halves of the query's second half, the v128 sum, the end of
// the pool and the address of a row's second half.
const POOL = 0;
const POOL_SIZE = 1;
const TAILS = 2;
const SCANNED = 3;
const RANKED = 4;
const TAIL_QUERY_LOW = 5;
const TAIL_QUERY_HIGH = 6;
const TAIL_SUM = 7;
const POOL_END = 8;
const TAIL = 9;
// Where the query's second half is written, after the 32 bytes the scan reads.
const QUERY_TAIL_AT = 32;
const slotAt = (pool: number) => [...get(pool), I32_LOAD, 0x02, 0x00]; // 4-byte alignment (2^2), offset 0
const RANK_BODY = [
  [0x02, 0x03, V128, 0x02, I32], // two runs of locals: 3 x v128, 2 x i32
  [...i32(0), ...load(QUERY_TAIL_AT), ...set(TAIL_QUERY_LOW)],
  [...i32(0), ...load(QUERY_TAIL_AT + 16), ...set(TAIL_QUERY_HIGH)],
  [...get(POOL), ...get(POOL_SIZE), ...i32(2), I32_SHL, I32_ADD, ...set(POOL_END)], // pool + size * 4
  [BLOCK, NO_RESULT, LOOP, NO_RESULT],
  [...get(POOL), ...get(POOL_END), I32_GE_U, BR_IF, 1], // past the pool's last slot: leave the block
  [...get(TAILS), ...slotAt(POOL), ...i32(5), I32_SHL, I32_ADD, ...set(TAIL)], // tails + slot * 32
  ...popcounts([...get(TAIL), ...load(0)], [...get(TAIL), ...load(16)], TAIL_QUERY_LOW, TAIL_QUERY_HIGH, TAIL_SUM),
  // The second half's distance plus the scan's on the first half.
  [...get(RANKED), ...laneSum(TAIL_SUM)],
  [...get(SCANNED), ...slotAt(POOL), ...i32(1), I32_SHL, I32_ADD, I32_LOAD16_U, 0x01, 0x00, I32_ADD],
  [I32_STORE16, 0x01, 0x00], // 2-byte alignment (2^1), offset 0
  [...get(POOL), ...i32(4), I32_ADD, ...set(POOL)],
  [...get(RANKED), ...i32(2), I32_ADD, ...set(RANKED)],
  [BR, 0, END, END, END], // next slot; end of loop, block and function
].flat();

// Module sections, by their ids in the binary format (section 5.5).
const TYPE_SECTION = 1;
const IMPORT_SECTION = 2;
const FUNCTION_SECTION = 3;
const EXPORT_SECTION = 7;
const CODE_SECTION = 10;

const name = (text: string) => [text.length, ...Buffer.from(text, 'latin1')];

function section(id: number, bytes: number[]): number[] {
  return [id, ...leb(bytes.length), ...bytes];
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  // Type 0: (i32 i32 i32 i32) -> (); type 1: (i32 i32 i32 i32) -> i32; type 2: (i32 i32 i32 i32 i32) -> ().
  ...section(TYPE_SECTION, [
    ...[3, FUNCTION_TYPE, 4, I32, I32, I32, I32, 0, FUNCTION_TYPE, 4, I32, I32, I32, I32, 1, I32],
    ...[FUNCTION_TYPE, 5, I32, I32, I32, I32, I32, 0],
  ]),
  ...section(IMPORT_SECTION, [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1]), // memory m.mem, at least 1 page
  ...section(FUNCTION_SECTION, [3, 0, 1, 2]), // functions 0, 1 and 2 of types 0, 1 and 2
  ...section(EXPORT_SECTION, [3, ...name('scan'), 0x00, 0, ...name('select'), 0x00, 1, ...name('rank'), 0x00, 2]),
  ...section(CODE_SECTION, [
    3,
    ...[...leb(SCAN_BODY.length), ...SCAN_BODY, ...leb(SELECT_BODY.length), ...SELECT_BODY],
    ...[...leb(RANK_BODY.length), ...RANK_BODY],
  ]),
]);

// The slice of the WebAssembly API used here (the package compiles without the DOM library, which declares it).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const HAMMING_MODULE = new wasm.Module(MODULE);

const PAGE = 65536;
/** Words in a signature, and in the first half of it that the kernel scans. */
const ROW_WORDS = 16;
const HEAD_WORDS = 8;
// Layout of the WebAssembly memory: the query (64 bytes: the scan reads its first half, rank its second), the rows'
// first halves (32 bytes a row), their second halves (32 bytes a row), the distances (2 bytes a row), then the rows
// a selection keeps or a ranking reads (4 bytes a row) and its distances (2 bytes a row). The first halves start at
// a fixed offset and the memory grows in place, so growing copies none of them; the second halves move up by what
// the first halves gained (a copy within the memory, about 1.5 ms for a million rows here), and the rest, rewritten
// by every search, moves too.
const ROWS_AT = 64;

// Regions start on 64-byte boundaries: select reads the distances sixteen bytes at a time, past their end too.
const padded = (bytes: number) => Math.ceil(bytes / 64) * 64;

/**
 * Signature rows of 16 words, in chunks, and for the kernel a copy of each row's two halves packed in WebAssembly
 * memory: the scan then streams the first halves alone, and a scan of a large bank is bound by memory, not by
 * arithmetic; the second ranking reads the second halves of the slots the scan kept. The whole rows serve the
 * near-duplicate check, which reads a slot's 64 bytes as one cache line: kept only once, half here and half in the
 * kernel's memory, at a million memories the near-duplicate candidates' p50 went from 262 to 427 µs.
 */
export class SignatureRows {
  private readonly memory: WasmMemory;
  private readonly scanRows: (rows: number, count: number, query: number, out: number) => void;
  private readonly selectRows: (distances: number, count: number, bound: number, out: number) => number;
  private readonly rankRows: (pool: number, size: number, tails: number, scanned: number, out: number) => void;
  private heads = new Uint32Array(0);
  private tails = new Uint32Array(0);
  private readonly rows: ChunkedColumn<Uint32Array>;
  private tailsAt = 0;
  private distancesAt = 0;
  private selectedAt = 0;

  constructor(capacity: number) {
    this.memory = new wasm.Memory({ initial: 1 });
    const instance = new wasm.Instance(HAMMING_MODULE, { m: { mem: this.memory } });
    this.scanRows = instance.exports.scan as (rows: number, count: number, query: number, out: number) => void;
    this.selectRows = instance.exports.select as (
      distances: number,
      count: number,
      bound: number,
      out: number,
    ) => number;
    this.rankRows = instance.exports.rank as (
      pool: number,
      size: number,
      tails: number,
      scanned: number,
      out: number,
    ) => void;
    this.rows = new ChunkedColumn((n) => new Uint32Array(n), ROW_WORDS, capacity);
    this.resize(capacity);
  }

  /** Stores a row's 16-word signature. */
  set(row: number, signature: Uint32Array): void {
    this.rows.chunk(row).set(signature.subarray(0, ROW_WORDS), this.rows.offset(row));
    this.heads.set(signature.subarray(0, HEAD_WORDS), row * HEAD_WORDS);
    this.tails.set(signature.subarray(HEAD_WORDS, ROW_WORDS), row * HEAD_WORDS);
  }

  /** Word `w` (0 to 15) of a row's signature. */
  word(row: number, w: number): number {
    return u32(this.rows.chunk(row), this.rows.offset(row) + w);
  }

  /** Hamming distance between `query` and a row's signature. */
  hamming(query: Uint32Array, row: number): number {
    const words = this.rows.chunk(row);
    const o = this.rows.offset(row);
    let h = 0;
    for (let w = 0; w < ROW_WORDS; w++) h += popcount32(u32(words, o + w) ^ u32(query, w));
    return h;
  }

  /** Makes room for `capacity` rows, keeping every row. */
  resize(capacity: number): void {
    this.rows.resize(capacity);
    const held = Math.min(this.tails.length, capacity * HEAD_WORDS) * 4;
    const tailsAt = ROWS_AT + padded(capacity * HEAD_WORDS * 4);
    const distancesAt = tailsAt + padded(capacity * HEAD_WORDS * 4);
    const selectedAt = distancesAt + padded(capacity * 2);
    // The scan's look-ahead reads past the last row's first half: room for it at the end, whatever lies between.
    const bytes = selectedAt + capacity * 6 + LOOKAHEAD_BYTES;
    const pages = Math.ceil(bytes / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    // Growing detaches the old buffer: views are made again. copyWithin copies as if through a buffer, so the old
    // and new places of the second halves may overlap.
    new Uint8Array(this.memory.buffer).copyWithin(tailsAt, this.tailsAt, this.tailsAt + held);
    this.heads = new Uint32Array(this.memory.buffer, ROWS_AT, capacity * HEAD_WORDS);
    this.tails = new Uint32Array(this.memory.buffer, tailsAt, capacity * HEAD_WORDS);
    this.tailsAt = tailsAt;
    this.distancesAt = distancesAt;
    this.selectedAt = selectedAt;
  }

  /**
   * Distances from `query` (its first 8 words) to rows [0, count) on their first 256 bits. The returned view is
   * overwritten by the next scan.
   */
  scan(query: Uint32Array, count: number): Uint16Array {
    new Uint32Array(this.memory.buffer, 0, HEAD_WORDS).set(query.subarray(0, HEAD_WORDS));
    this.scanRows(ROWS_AT, count, 0, this.distancesAt);
    return new Uint16Array(this.memory.buffer, this.distancesAt, count);
  }

  /**
   * The rows among [0, count) whose distance in the last scan is at most `bound`, in row order. The returned view is
   * overwritten by the next selection or scan.
   */
  within(bound: number, count: number): Uint32Array {
    const kept = this.selectRows(this.distancesAt, count, bound, this.selectedAt);
    return new Uint32Array(this.memory.buffer, this.selectedAt, kept);
  }

  /**
   * Distances from `query` on all 512 bits to the rows of `pool` (distinct rows, in any order; as many as the
   * capacity at most): the last scan's on their first halves, which must have been of the same query, plus their
   * second halves'. The returned view, in the pool's order, is overwritten by the next selection, ranking or scan.
   */
  ranked(query: Uint32Array, pool: ArrayLike<number>): Uint16Array {
    const memory = this.memory.buffer;
    new Uint32Array(memory, QUERY_TAIL_AT, HEAD_WORDS).set(query.subarray(HEAD_WORDS, ROW_WORDS));
    new Uint32Array(memory, this.selectedAt, pool.length).set(pool);
    const rankedAt = this.selectedAt + pool.length * 4;
    this.rankRows(this.selectedAt, pool.length, this.tailsAt, this.distancesAt, rankedAt);
    return new Uint16Array(memory, rankedAt, pool.length);
  }
}
