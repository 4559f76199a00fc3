/**
 * The Hamming scan of the candidate index as a WebAssembly SIMD function, assembled here from its instructions (no
 * binary is shipped). For each 32-byte row (the first half of a signature) it XORs the row with the query, counts
 * bits with i8x16.popcnt and stores the distance as a u16: about ten times the speed of the JavaScript loop, which
 * remains the fallback where WebAssembly SIMD is missing.
 *
 *   scan(rows, count, query, out):  for i < count: out[i] = popcount(rows[i][0..32) ^ query[0..32))
 */

// The function body, one instruction per line. Locals: 0 rows, 1 count, 2 query, 3 out (params); 4 q0, 5 q1, 6 v
// (v128); 7 end (i32).
const SIMD = 0xfd;
const LOAD_0 = [SIMD, 0x00, 0x04, 0x00]; // v128.load align=16 offset=0
const LOAD_16 = [SIMD, 0x00, 0x04, 0x10]; // v128.load align=16 offset=16
const XOR = [SIMD, 0x51];
const POPCNT = [SIMD, 0x62]; // i8x16.popcnt
const ADD_BYTES = [SIMD, 0x6e]; // i8x16.add: two popcounts of a byte are at most 16
const WIDEN_16 = [SIMD, 0x7d]; // i16x8.extadd_pairwise_i8x16_u
const WIDEN_32 = [SIMD, 0x7f]; // i32x4.extadd_pairwise_i16x8_u
const lane = (i: number) => [0x20, 6, SIMD, 0x1b, i]; // local.get v; i32x4.extract_lane i
const BODY = [
  [0x02, 0x03, 0x7b, 0x01, 0x7f], // locals: 3 x v128, 1 x i32
  [0x20, 2, ...LOAD_0, 0x21, 4], // q0 = load(query)
  [0x20, 2, ...LOAD_16, 0x21, 5], // q1 = load(query + 16)
  [0x20, 0, 0x20, 1, 0x41, 5, 0x74, 0x6a, 0x21, 7], // end = rows + count << 5
  [0x02, 0x40, 0x03, 0x40], // block, loop
  [0x20, 0, 0x20, 7, 0x4f, 0x0d, 1], // if rows >= end: break
  [0x20, 0, ...LOAD_0, 0x20, 4, ...XOR, ...POPCNT],
  [0x20, 0, ...LOAD_16, 0x20, 5, ...XOR, ...POPCNT],
  [...ADD_BYTES, ...WIDEN_16, ...WIDEN_32, 0x21, 6],
  [0x20, 3, ...lane(0), ...lane(1), 0x6a, ...lane(2), 0x6a, ...lane(3), 0x6a], // out, sum of lanes
  [0x3b, 0x01, 0x00], // i32.store16
  [0x20, 0, 0x41, 0x20, 0x6a, 0x21, 0], // rows += 32
  [0x20, 3, 0x41, 2, 0x6a, 0x21, 3], // out += 2
  [0x0c, 0, 0x0b, 0x0b, 0x0b], // continue; end loop, block, function
].flat();

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
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [0x01, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]), // type: (i32 i32 i32 i32) -> ()
  ...section(2, [0x01, 0x01, 0x6d, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01]), // import memory m.mem
  ...section(3, [0x01, 0x00]),
  ...section(7, [0x01, 0x04, 0x73, 0x63, 0x61, 0x6e, 0x00, 0x00]), // export "scan"
  ...section(10, [0x01, ...leb(BODY.length), ...BODY]),
]);

// The slice of the WebAssembly API used here (the package compiles without the DOM library, which declares it).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** A compiled kernel, or null when this runtime cannot run WebAssembly SIMD. */
export const HAMMING_MODULE: object | null = (() => {
  try {
    if (!wasm?.validate(MODULE)) return null;
    return new wasm.Module(MODULE);
  } catch {
    return null;
  }
})();

const PAGE = 65536;

/**
 * Signature rows of 16 words, and for the kernel a copy of each row's first 8 words packed in WebAssembly memory:
 * the scan then streams half the bytes, and a scan of a large bank is bound by memory, not by arithmetic. `words`
 * is replaced when the rows grow; write rows with `set`, which keeps the copy.
 */
export class SignatureRows {
  words: Uint32Array;
  private readonly memory: WasmMemory | null;
  private readonly scanRows: ((rows: number, count: number, query: number, out: number) => void) | null;
  private heads = new Uint32Array(0);
  private rowsAt = 0;
  private distancesAt = 0;

  constructor(capacity: number) {
    if (HAMMING_MODULE && wasm) {
      this.memory = new wasm.Memory({ initial: 1 });
      const instance = new wasm.Instance(HAMMING_MODULE, { m: { mem: this.memory } });
      this.scanRows = instance.exports.scan as (rows: number, count: number, query: number, out: number) => void;
    } else {
      this.memory = null;
      this.scanRows = null;
    }
    this.words = new Uint32Array(0);
    this.resize(capacity, 0);
  }

  /** Stores a row's 16-word signature. */
  set(row: number, signature: Uint32Array): void {
    this.words.set(signature.subarray(0, 16), row * 16);
    if (this.memory) this.heads.set(signature.subarray(0, 8), row * 8);
  }

  /** Makes room for `capacity` rows, keeping the first `used`. */
  resize(capacity: number, used: number): void {
    const words = new Uint32Array(capacity * 16);
    words.set(this.words.subarray(0, used * 16));
    this.words = words;
    if (!this.memory) return;
    const kept = this.heads.slice(0, used * 8);
    // Layout: query (64 bytes), distances (2 bytes a row, padded to 64), rows of 32 bytes.
    const distancesAt = 64;
    const rowsAt = distancesAt + Math.ceil((capacity * 2) / 64) * 64;
    const bytes = rowsAt + capacity * 32;
    const pages = Math.ceil(bytes / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    this.heads = new Uint32Array(this.memory.buffer, rowsAt, capacity * 8);
    this.heads.set(kept);
    this.rowsAt = rowsAt;
    this.distancesAt = distancesAt;
  }

  /**
   * Distances from `query` (its first 8 words) to rows [0, count) on their first 256 bits, or null without the
   * kernel. The returned view is overwritten by the next scan.
   */
  scan(query: Uint32Array, count: number): Uint16Array | null {
    if (!this.memory || !this.scanRows) return null;
    new Uint32Array(this.memory.buffer, 0, 8).set(query.subarray(0, 8));
    this.scanRows(this.rowsAt, count, 0, this.distancesAt);
    return new Uint16Array(this.memory.buffer, this.distancesAt, count);
  }
}
