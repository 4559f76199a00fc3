import { SignatureRows } from './hamming-kernel.js';
import { PROBE_FLIPS, popcount32, SIGNATURE_WORDS, type UnitQuery, type VectorSketch } from './vector-sketch.js';

/** Time and expiry conditions in epoch milliseconds: moment within [from, to], expiry after now. */
export interface SlotFilter {
  from: number;
  to: number;
  now: number;
}

// Locality-sensitive hashing for the near-duplicate check: the 512 signature bits cut into 32 bands of 16 bits, each
// probed at its own key and with each of its PROBE_FLIPS least certain bits flipped. Measured on pairs at cosine
// 0.950, a pair meets in 13.6 of the 32 bands on average (42%) and in at least 6 of them in the worst of 300 pairs.
const BANDS = 32;
const BAND_BITS = 16;
const MIN_TABLE_BITS = 8;
// Up to this many rows the near-duplicate check reads every signature: cheaper than the tables, and it misses nothing.
const LINEAR_SCAN_MAX = 2048;

/**
 * One bank's candidate index, in memory: per row (slot) its rowid, time, expiry, signature and int8 code, plus
 * LSH tables built on first use by the near-duplicate check. It proposes candidates; callers confirm them against
 * the stored vectors. Slots are appended in commit order; a removed row's slot is marked dead, not reused.
 */
export class BankVectorIndex {
  readonly bankId: string;
  readonly dimensions: number;
  /** Slots in use, dead ones included. */
  size = 0;
  /** Slots not dead. */
  live = 0;
  seqs: Float64Array;
  moments: Float64Array;
  expires: Float64Array;
  dead: Uint8Array;
  private readonly rows: SignatureRows;
  codes: Int8Array;
  scales: Float32Array;
  private capacity: number;
  private readonly slotBySeq = new Map<number, number>();
  private readonly shadowed = new Map<number, number>();
  private lsh: Lsh | null = null;
  private visited: Uint32Array;
  private visitEpoch = 0;
  // Slots kept by nearestWithin, reused across searches.
  private within = new Uint32Array(0);

  constructor(bankId: string, dimensions: number, capacity = 64) {
    this.bankId = bankId;
    this.dimensions = dimensions;
    this.capacity = Math.max(16, capacity);
    this.seqs = new Float64Array(this.capacity);
    this.moments = new Float64Array(this.capacity);
    this.expires = new Float64Array(this.capacity);
    this.dead = new Uint8Array(this.capacity);
    this.rows = new SignatureRows(this.capacity);
    this.codes = new Int8Array(this.capacity * dimensions);
    this.scales = new Float32Array(this.capacity);
    this.visited = new Uint32Array(this.capacity);
  }

  /** Every slot's 512-bit signature, 16 words a slot (a view that changes when the index grows). */
  get signatures(): Uint32Array {
    return this.rows.words;
  }

  /** Appends a row; `expiresAt` null means never. */
  add(seq: number, moment: number, expiresAt: number | null, sketch: VectorSketch): void {
    if (this.size === this.capacity) this.grow();
    const slot = this.size++;
    this.seqs[slot] = seq;
    this.moments[slot] = moment;
    this.expires[slot] = expiresAt ?? Number.POSITIVE_INFINITY;
    this.dead[slot] = 0;
    this.rows.set(slot, sketch.signature);
    this.codes.set(sketch.code, slot * this.dimensions);
    this.scales[slot] = sketch.scale;
    // A transaction that deleted the newest row and then inserted one may get its rowid back: remember whose it was,
    // in case the transaction rolls back.
    const previous = this.slotBySeq.get(seq);
    if (previous !== undefined) this.shadowed.set(slot, previous);
    this.slotBySeq.set(seq, slot);
    this.live++;
    if (this.lsh) this.link(slot);
  }

  /** The slot of the live row with this rowid, if the index holds it. */
  slotOf(seq: number): number | undefined {
    return this.slotBySeq.get(seq);
  }

  /** Marks a slot dead. */
  removeSlot(slot: number): void {
    if (slot >= this.size || this.dead[slot]) return;
    this.dead[slot] = 1;
    this.live--;
    const seq = this.seqs[slot] as number;
    if (this.slotBySeq.get(seq) === slot) this.slotBySeq.delete(seq);
  }

  /** Forgets what rollbacks would need: the transaction that appended the slots committed. */
  settle(): void {
    this.shadowed.clear();
  }

  /** Whether this rowid is a live row of the index. */
  has(seq: number): boolean {
    return this.slotBySeq.has(seq);
  }

  /** Drops every slot from `size` on: undoes the appends of a transaction that rolled back. */
  truncate(size: number): void {
    for (let slot = this.size - 1; slot >= size; slot--) {
      // The newest slots head their LSH chains, so unlinking in reverse order restores each chain exactly.
      if (this.lsh) {
        if (slot < this.lsh.packed) this.lsh = null;
        else this.unlink(slot);
      }
      if (!this.dead[slot]) {
        this.live--;
        const seq = this.seqs[slot] as number;
        if (this.slotBySeq.get(seq) === slot) {
          const previous = this.shadowed.get(slot);
          if (previous !== undefined && !this.dead[previous]) this.slotBySeq.set(seq, previous);
          else this.slotBySeq.delete(seq);
        }
      }
      this.shadowed.delete(slot);
    }
    this.size = Math.min(this.size, size);
  }

  /**
   * Up to `want` live slots passing `filter`, nearest first by Hamming distance on the first 256 signature bits; at
   * the cut-off distance the lowest slots win. A large bank is cut by a sample: every SAMPLE_STRIDE-th slot's
   * distance predicts a distance below which comfortably more than `want` slots lie, one pass keeps those slots, and
   * the exact cut-off is found among them. When the prediction falls short the whole bank is counted instead, so the
   * answer is the same either way.
   */
  nearestByHamming(query: Uint32Array, want: number, filter: SlotFilter): number[] {
    const n = this.size;
    const scanned = this.rows.scan(query, n) ?? this.scanInJavaScript(query, n);
    if (n >= want * 8) {
      const bound = this.sampledBound(scanned, n, want, filter);
      const picked = bound === null ? [] : this.nearestWithin(scanned, n, want, filter, bound);
      if (picked.length === want) return picked;
    }
    return this.nearestWithin(scanned, n, want, filter, 256);
  }

  // A distance under which a sample of every SAMPLE_STRIDE-th slot puts twice `want` slots, or null if none does:
  // the count under it is short of `want` only many standard deviations out.
  private sampledBound(scanned: Uint16Array, n: number, want: number, filter: SlotFilter): number | null {
    const sample = new Uint32Array(257);
    for (let slot = 0; slot < n; slot += SAMPLE_STRIDE) {
      if (!this.passes(slot, filter)) continue;
      const d = scanned[slot] as number;
      sample[d] = (sample[d] as number) + 1;
    }
    const target = Math.ceil((2 * want) / SAMPLE_STRIDE);
    let bound = 0;
    for (let seen = sample[0] as number; seen < target; seen += sample[bound] as number) if (++bound > 256) return null;
    return bound;
  }

  // Up to `want` slots passing `filter` within `bound` bits, nearest first at the cut-off: one pass keeps the slots
  // and counts their distances, a second picks those under the cut-off. No sort of the whole bank.
  private nearestWithin(scanned: Uint16Array, n: number, want: number, filter: SlotFilter, bound: number): number[] {
    if (this.within.length < n) this.within = new Uint32Array(this.capacity);
    const within = this.within;
    const histogram = new Uint32Array(257);
    let kept = 0;
    for (let slot = 0; slot < n; slot++) {
      const d = scanned[slot] as number;
      if (d > bound || !this.passes(slot, filter)) continue;
      within[kept++] = slot;
      histogram[d] = (histogram[d] as number) + 1;
    }
    const { cutoff, ties } = cutOff(histogram, want);
    let left = ties;
    const out: number[] = [];
    for (let i = 0; i < kept; i++) {
      const slot = within[i] as number;
      const d = scanned[slot] as number;
      if (d < cutoff) out.push(slot);
      else if (d === cutoff && left > 0) {
        out.push(slot);
        left--;
      }
    }
    return out;
  }

  // Live, unexpired, and within the time range.
  private passes(slot: number, filter: SlotFilter): boolean {
    if (this.dead[slot] || (this.expires[slot] as number) <= filter.now) return false;
    const moment = this.moments[slot] as number;
    return moment >= filter.from && moment <= filter.to;
  }

  /**
   * Live slots within `bound` bits of `query` over the whole signature that share an LSH bucket with it in at least
   * two bands (each band probed at its key and with each of its least certain bits flipped). Requiring two bands
   * skips most merely similar rows without reading their signatures; a pair at cosine 0.95 shares 13.6 bands on
   * average. Small banks are scanned whole instead, which misses nothing within the bound.
   */
  nearDuplicateCandidates(query: Uint32Array, uncertain: Uint8Array, bound: number): number[] {
    const out: number[] = [];
    if (this.size <= LINEAR_SCAN_MAX) {
      for (let slot = 0; slot < this.size; slot++)
        if (!this.dead[slot] && this.hamming(query, slot) <= bound) out.push(slot);
      return out;
    }
    const lsh = this.currentLsh();
    const mask = (1 << lsh.bits) - 1;
    const { heads, next, offsets, entries, packed } = lsh;
    const buckets = (1 << lsh.bits) + 1;
    // visited[slot] is 2·epoch after a slot's first band match and 2·epoch + 1 once its signature has been checked:
    // one array read per entry walked, and no clearing between calls.
    if (++this.visitEpoch >= 0x7fffffff) {
      this.visited.fill(0);
      this.visitEpoch = 1;
    }
    const once = this.visitEpoch * 2;
    const visited = this.visited;
    const probed = new Int32Array(PROBE_FLIPS + 1);
    let pending = 0;
    const second: number[] = [];
    for (let band = 0; band < BANDS; band++) {
      const key = bandKey(query, 0, band);
      let walked = 0;
      for (let probe = -1; probe < PROBE_FLIPS; probe++) {
        const bucket = (probe < 0 ? key : key ^ (1 << (uncertain[band * PROBE_FLIPS + probe] as number))) & mask;
        // A narrow table folds flipped keys onto one bucket; walking it twice would count a band twice.
        let repeat = false;
        for (let j = 0; j < walked; j++) repeat ||= probed[j] === bucket;
        if (repeat) continue;
        probed[walked++] = bucket;
        const at = band * buckets + bucket;
        const to = band * packed + (offsets[at + 1] as number);
        let i = band * packed + (offsets[at] as number);
        let slot = heads[(band << lsh.bits) + bucket] as number;
        while (true) {
          let current: number;
          if (i < to) current = entries[i++] as number;
          else if (slot >= 0) {
            current = slot;
            slot = next[(slot - packed) * BANDS + band] as number;
          } else break;
          const seen = visited[current] as number;
          if (seen < once) visited[current] = once;
          else if (seen === once) {
            visited[current] = once + 1;
            second[pending++] = current;
          }
        }
      }
    }
    for (let j = 0; j < pending; j++) {
      const slot = second[j] as number;
      if (!this.dead[slot] && this.hamming(query, slot) <= bound) out.push(slot);
    }
    return out;
  }

  // The same scan as the WebAssembly kernel, for runtimes without WebAssembly SIMD. Unrolled over the eight words
  // with the query held in locals: a loop over the words measured close to twice as slow.
  private scanInJavaScript(query: Uint32Array, n: number): Uint16Array {
    const out = new Uint16Array(n);
    const s = this.signatures;
    const [q0, q1, q2, q3, q4, q5, q6, q7] = query as unknown as number[];
    for (let slot = 0, o = 0; slot < n; slot++, o += SIGNATURE_WORDS) {
      out[slot] =
        popcount32((s[o] as number) ^ (q0 as number)) +
        popcount32((s[o + 1] as number) ^ (q1 as number)) +
        popcount32((s[o + 2] as number) ^ (q2 as number)) +
        popcount32((s[o + 3] as number) ^ (q3 as number)) +
        popcount32((s[o + 4] as number) ^ (q4 as number)) +
        popcount32((s[o + 5] as number) ^ (q5 as number)) +
        popcount32((s[o + 6] as number) ^ (q6 as number)) +
        popcount32((s[o + 7] as number) ^ (q7 as number));
    }
    return out;
  }

  /** Hamming distance over all 512 bits between `query` and a slot's signature. */
  hamming(query: Uint32Array, slot: number): number {
    const o = slot * SIGNATURE_WORDS;
    const signatures = this.rows.words;
    let h = 0;
    for (let w = 0; w < SIGNATURE_WORDS; w++) h += popcount32((signatures[o + w] as number) ^ (query[w] as number));
    return h;
  }

  /** The int8 estimate of cosine(query, slot); `estimateError` bounds how far it can be from the exact cosine. */
  estimate(query: UnitQuery, slot: number): number {
    const codes = this.codes;
    const base = slot * this.dimensions;
    const { nonZero, nonZeroValues } = query;
    let dot = 0;
    // Zero coordinates of the query add nothing: a sparse query reads only its own non-zero coordinates.
    for (let j = 0; j < nonZero.length; j++)
      dot += (nonZeroValues[j] as number) * (codes[base + (nonZero[j] as number)] as number);
    return dot * (this.scales[slot] as number);
  }

  /** The worst-case error of `estimate` for this slot: each code is off by at most scale/2 after rounding. */
  estimateError(query: UnitQuery, slot: number): number {
    return ((this.scales[slot] as number) / 2) * query.l1 + 1e-9;
  }

  private grow(): void {
    // Doubling a large bank's arrays would hold old and new copies at once (an int8 code is a byte per dimension):
    // past 64k rows grow by a quarter.
    const capacity = this.capacity < 65536 ? this.capacity * 2 : Math.ceil(this.capacity * 1.25);
    const resize = <T extends Float64Array | Uint8Array | Uint32Array | Int8Array | Float32Array>(
      old: T,
      make: (n: number) => T,
      per = 1,
    ): T => {
      const next = make(capacity * per);
      next.set(old.subarray(0, this.size * per) as never);
      return next;
    };
    this.seqs = resize(this.seqs, (n) => new Float64Array(n));
    this.moments = resize(this.moments, (n) => new Float64Array(n));
    this.expires = resize(this.expires, (n) => new Float64Array(n));
    this.dead = resize(this.dead, (n) => new Uint8Array(n));
    this.rows.resize(capacity, this.size);
    this.codes = resize(this.codes, (n) => new Int8Array(n), this.dimensions);
    this.scales = resize(this.scales, (n) => new Float32Array(n));
    this.visited = new Uint32Array(capacity);
    this.visitEpoch = 0;
    this.capacity = capacity;
  }

  // The tables, rebuilt packed when the bank has outgrown them or too many rows wait in the overflow chains.
  private currentLsh(): Lsh {
    const lsh = this.lsh;
    const overflow = lsh ? this.size - lsh.packed : 0;
    if (lsh && tableBits(this.size) <= lsh.bits && overflow <= Math.max(1024, lsh.packed / 4)) return lsh;
    this.buildLsh();
    return this.lsh as Lsh;
  }

  // Packs every live slot, band by band, grouped by bucket (a counting sort), so that a probe reads one contiguous
  // run instead of chasing a pointer, and a cache miss, per row.
  private buildLsh(): void {
    const bits = tableBits(this.size);
    const buckets = (1 << bits) + 1;
    const mask = (1 << bits) - 1;
    const packed = this.size;
    const offsets = new Int32Array(BANDS * buckets);
    const entries = new Int32Array(BANDS * packed);
    const keys = new Int32Array(packed);
    for (let band = 0; band < BANDS; band++) {
      const base = band * buckets;
      for (let slot = 0; slot < packed; slot++) {
        const key = this.dead[slot] ? -1 : bandKey(this.signatures, slot * SIGNATURE_WORDS, band) & mask;
        keys[slot] = key;
        if (key >= 0) offsets[base + key + 1] = (offsets[base + key + 1] as number) + 1;
      }
      for (let b = 1; b < buckets; b++)
        offsets[base + b] = (offsets[base + b] as number) + (offsets[base + b - 1] as number);
      const fill = offsets.slice(base, base + buckets);
      for (let slot = 0; slot < packed; slot++) {
        const key = keys[slot] as number;
        if (key < 0) continue;
        entries[band * packed + (fill[key] as number)] = slot;
        fill[key] = (fill[key] as number) + 1;
      }
    }
    this.lsh = {
      bits,
      packed,
      offsets,
      entries,
      heads: new Int32Array(BANDS << bits).fill(-1),
      next: new Int32Array(1024 * BANDS),
    };
  }

  // Rows added since the last packing wait in per-bucket chains, newest first.
  private link(slot: number): void {
    const lsh = this.lsh as Lsh;
    const row = (slot - lsh.packed) * BANDS;
    if (row + BANDS > lsh.next.length) {
      const next = new Int32Array(lsh.next.length * 2);
      next.set(lsh.next);
      lsh.next = next;
    }
    const mask = (1 << lsh.bits) - 1;
    for (let band = 0; band < BANDS; band++) {
      const head = (band << lsh.bits) + (bandKey(this.signatures, slot * SIGNATURE_WORDS, band) & mask);
      lsh.next[row + band] = lsh.heads[head] as number;
      lsh.heads[head] = slot;
    }
  }

  private unlink(slot: number): void {
    const lsh = this.lsh as Lsh;
    const mask = (1 << lsh.bits) - 1;
    for (let band = 0; band < BANDS; band++) {
      const head = (band << lsh.bits) + (bandKey(this.signatures, slot * SIGNATURE_WORDS, band) & mask);
      if (lsh.heads[head] === slot) lsh.heads[head] = lsh.next[(slot - lsh.packed) * BANDS + band] as number;
    }
  }
}

/** LSH tables: slots below `packed` grouped by bucket in `entries` (per band), later ones in chains. */
interface Lsh {
  bits: number;
  packed: number;
  /** Per band, (2^bits + 1) offsets into that band's run of `entries`. */
  offsets: Int32Array;
  entries: Int32Array;
  heads: Int32Array;
  next: Int32Array;
}

// One slot in this many is sampled to predict the cut-off distance of a large bank.
const SAMPLE_STRIDE = 16;

// The distance under which fewer than `want` slots lie, and how many slots at exactly that distance make up the rest.
function cutOff(histogram: Uint32Array, want: number): { cutoff: number; ties: number } {
  let cutoff = 0;
  let below = 0;
  while (cutoff <= 256 && below + (histogram[cutoff] as number) <= want) below += histogram[cutoff++] as number;
  return { cutoff, ties: want - below };
}

function bandKey(words: Uint32Array, offset: number, band: number): number {
  return ((words[offset + (band >>> 1)] as number) >>> ((band & 1) * BAND_BITS)) & 0xffff;
}

// A table about as large as the bank keeps buckets short; past 2^16 buckets the 16-bit keys are used whole.
function tableBits(rows: number): number {
  let bits = MIN_TABLE_BITS;
  while (bits < BAND_BITS && 1 << bits < rows) bits++;
  return bits;
}
