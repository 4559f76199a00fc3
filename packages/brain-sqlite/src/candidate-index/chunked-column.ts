/** Slots in a chunk of a column past its first. */
const CHUNK_BITS = 14;
const CHUNK_SLOTS = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK_SLOTS - 1;

type Elements = Float64Array | Float32Array | Int8Array | Uint32Array;

/**
 * A column of the index, `per` elements a slot, held in chunks of CHUNK_SLOTS slots. A large bank grows by whole
 * chunks and copies nothing: one array of a million slots' int8 codes (384 MB at 384 dimensions) grown by a quarter
 * had to be copied whole while both copies were alive, and blocked the event loop meanwhile. Only the first chunk,
 * sized to a small bank, is copied when it grows, at most to one chunk.
 */
export class ChunkedColumn<T extends Elements> {
  private readonly chunks: T[] = [];
  private readonly make: (length: number) => T;
  private readonly per: number;

  constructor(make: (length: number) => T, per: number, capacity: number) {
    this.make = make;
    this.per = per;
    this.resize(capacity);
  }

  /** The chunk holding a slot's elements, from `offset(slot)` on. */
  chunk(slot: number): T {
    return this.chunks[slot >>> CHUNK_BITS] as T;
  }

  /** Where a slot's elements start in its chunk. */
  offset(slot: number): number {
    return (slot & IN_CHUNK) * this.per;
  }

  /** Makes room for at least `capacity` slots, keeping every element. */
  resize(capacity: number): void {
    const first = Math.min(capacity, CHUNK_SLOTS) * this.per;
    const old = this.chunks[0];
    if (!old || old.length < first) {
      const chunk = this.make(first);
      if (old) chunk.set(old as never);
      this.chunks[0] = chunk;
    }
    while (this.chunks.length * CHUNK_SLOTS < capacity) this.chunks.push(this.make(CHUNK_SLOTS * this.per));
  }
}

/** The capacity a table asked for `slots` takes: past one chunk, whole chunks. */
export function chunkedCapacity(slots: number): number {
  return slots <= CHUNK_SLOTS ? slots : Math.ceil(slots / CHUNK_SLOTS) * CHUNK_SLOTS;
}

/** The next capacity of a full table of `capacity` slots: a small one doubles, a large one adds a chunk. */
export function grownCapacity(capacity: number): number {
  return capacity < CHUNK_SLOTS ? Math.min(capacity * 2, CHUNK_SLOTS) : capacity + CHUNK_SLOTS;
}
