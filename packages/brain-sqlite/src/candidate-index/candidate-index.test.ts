import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MemoryRecord, normalizeVector } from '@astrocyte/core/backend';
import { memoryRecord, storesPerTest } from '@astrocyte/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteMemoryStore } from '../sqlite-memory-store.js';
import { BankIndex } from './bank-index.js';
import { type CandidateIndex, MIN_CANDIDATES } from './candidate-index.js';
import { SignatureRows } from './hamming-kernel.js';
import { POOL_SHARE } from './hamming-top-k.js';
import { ROWS_PER_STEP, runAtOnce, runSliced } from './steps.js';
import { hammingBound, POPCOUNT_16, sketchVector } from './vector-sketch.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-vector-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dbPath = () => join(dir, `${randomUUID()}.db`);

const DIMENSIONS = 64;
const EMBEDDER = { name: 'test-random', dimensions: DIMENSIONS };
const NOW = new Date('2026-03-01T00:00:00Z');

// Deterministic, so a failure reproduces.
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32 - 0.5;
  };
}

function randomUnit(next: () => number): Float32Array {
  return normalizeVector(Float32Array.from({ length: DIMENSIONS }, next));
}

/** A unit vector whose cosine with `base` (a unit vector) is exactly `cosine`, up to float rounding. */
function atCosine(base: Float32Array, cosine: number, next: () => number): Float32Array {
  const noise = randomUnit(next);
  const along = noise.reduce((s, x, i) => s + x * (base[i] as number), 0);
  const ortho = normalizeVector(Float32Array.from(noise, (x, i) => x - along * (base[i] as number)));
  return normalizeVector(
    Float32Array.from(base, (x, i) => cosine * x + Math.sqrt(1 - cosine * cosine) * (ortho[i] as number)),
  );
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}

function record(bankId: string, embedding: Float32Array, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  // One text with a hash of its own: a near duplicate must say nothing its match does not (mayRepeat), and these
  // records differ by their vectors alone.
  return memoryRecord(bankId, 'a memory', { embedding, contentHash: randomUUID(), createdAt: NOW, ...overrides });
}

const store = storesPerTest((path?: string) => openSqliteStore({ path: path ?? ':memory:' }), EMBEDDER);

function indexOf(s: SqliteMemoryStore): CandidateIndex {
  return (s as unknown as { index: CandidateIndex }).index;
}

const keep = { nearDuplicateThreshold: null };

describe('approximate vector search', () => {
  it('returns the exact top hits on a bank larger than the candidate set and than a chunk of its columns', async () => {
    const s = await store();
    const next = generator(1);
    // Clusters make the neighbourhoods crowded, so the candidate stage has real work to do. 20,000 rows fill the
    // first chunk of 16,384 slots and part of the second.
    const centres = Array.from({ length: 40 }, () => randomUnit(next));
    const records = Array.from({ length: 20_000 }, (_, i) =>
      record('big', atCosine(centres[i % centres.length] as Float32Array, 0.6 + 0.3 * (next() + 0.5), next)),
    );
    await s.insert(records, keep);
    let found = 0;
    for (let q = 0; q < 40; q++) {
      const query = atCosine(centres[q] as Float32Array, 0.8, next);
      const exact = records
        .map((r) => ({ id: r.id, similarity: cosine(query, r.embedding) }))
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, 10);
      const hits = await s.vectorSearch(['big'], query, 10, { now: NOW });
      expect(hits[0]?.id).toBe(exact[0]?.id);
      expect(hits[0]?.score).toBeCloseTo(exact[0]?.similarity as number, 5);
      const truth = new Set(exact.map((e) => e.id));
      found += hits.filter((h) => truth.has(h.id)).length;
    }
    expect(found / 400).toBeGreaterThanOrEqual(0.95);
  });

  it('finds a planted vector among many random ones and honours time and expiry in the index', async () => {
    const s = await store();
    const next = generator(2);
    const noise = Array.from({ length: MIN_CANDIDATES * 2 }, () => record('b', randomUnit(next)));
    const target = randomUnit(next);
    const planted = record('b', target, { occurredAt: new Date('2020-01-01T00:00:00Z') });
    const expired = record('b', target, { expiresAt: new Date(NOW.getTime() - 1) });
    await s.insert([...noise, planted, expired], keep);
    const hits = await s.vectorSearch(['b'], target, 3, { now: NOW });
    expect(hits[0]).toMatchObject({ id: planted.id });
    expect(hits.map((h) => h.id)).not.toContain(expired.id);
    const later = await s.vectorSearch(['b'], target, 3, { now: NOW, from: new Date('2021-01-01T00:00:00Z') });
    expect(later.map((h) => h.id)).not.toContain(planted.id);
  });
});

describe('near-duplicate check on the index', () => {
  it('finds the one memory at 0.95 among thousands of decoys just below it', async () => {
    const s = await store();
    const next = generator(3);
    const bases = Array.from({ length: 20 }, () => randomUnit(next));
    const targets = bases.map((b) => record('dup', b));
    // Each base gets 150 decoys at cosine 0.93: they crowd its LSH buckets without reaching the threshold.
    const decoys = bases.flatMap((b) => Array.from({ length: 150 }, () => record('dup', atCosine(b, 0.93, next))));
    await s.insert([...targets, ...decoys], keep);
    for (const [i, base] of bases.entries()) {
      const probe = atCosine(base, 0.9505, next);
      const [outcome] = await s.insert([record('dup', probe)], { nearDuplicateThreshold: 0.95 });
      expect(outcome).toMatchObject({ status: 'duplicate', match: 'near', duplicateOf: targets[i]?.id });
      expect((outcome as { similarity: number }).similarity).toBeCloseTo(cosine(probe, base), 5);
      const below = atCosine(base, 0.945, next);
      const [stored] = await s.insert([record('dup', below)], { nearDuplicateThreshold: 0.95 });
      expect(stored?.status).toBe('stored');
    }
  });
});

describe('near-duplicate tables', () => {
  it('are not loaded nor built for a bank that only takes turns, and once built for a checked record, hold the turns', async () => {
    const s = await store();
    const next = generator(5);
    const vectors = Array.from({ length: 2500 }, () => randomUnit(next));
    const turns = vectors.map((v) => record('chat', v, { speaker: 'ann', episodeId: 'session-1' }));
    // As retainConversation writes them: the check is on for the call, but no turn is checked.
    for (let at = 0; at < turns.length; at += 500)
      await s.insert(turns.slice(at, at + 500), { nearDuplicateThreshold: 0.95 });
    // Nor is the bank's index read into memory: a process that only stores transcripts never holds it.
    expect(indexOf(s).loaded('chat')).toBeUndefined();
    const lshOf = () => (indexOf(s).bank('chat') as unknown as { lsh: unknown }).lsh;
    // Past the 2,048 rows a scan serves, the tables cost 128 bytes a row; a bank of transcripts never reads them.
    expect(lshOf()).toBeNull();
    const [outcome] = await s.insert([record('chat', atCosine(vectors[1234] as Float32Array, 0.9505, next))], {
      nearDuplicateThreshold: 0.95,
    });
    expect(outcome).toMatchObject({ status: 'duplicate', match: 'near', duplicateOf: turns[1234]?.id });
    expect(lshOf()).not.toBeNull();
  });
});

describe('index and transactions', () => {
  it('leaves no index entry for a batch that rolled back', async () => {
    const s = await store();
    const next = generator(4);
    await s.insert(
      Array.from({ length: 30 }, () => record('r', randomUnit(next))),
      keep,
    );
    await s.vectorSearch(['r'], randomUnit(next), 5, { now: NOW });
    const bank = indexOf(s).bank('r').slots;
    const before = { size: bank.size, live: bank.live };
    const id = randomUUID();
    const ghost = randomUnit(next);
    const error = await s
      .insert([record('r', ghost, { id }), record('r', randomUnit(next), { id })], { nearDuplicateThreshold: 0.95 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect({ size: bank.size, live: bank.live }).toEqual(before);
    // SQLite hands the freed rowid to the next row; the index must hold that row's vector, not the ghost's.
    const real = record('r', randomUnit(next));
    await s.insert([real], { nearDuplicateThreshold: 0.95 });
    expect(bank.live).toBe(before.live + 1);
    const hits = await s.vectorSearch(['r'], real.embedding, 1, { now: NOW });
    expect(hits[0]).toMatchObject({ id: real.id });
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    const ghostHits = await s.vectorSearch(['r'], ghost, 1, { now: NOW });
    expect(ghostHits[0]?.score ?? 0).toBeLessThan(0.99);
  });

  it('keeps the right row when a supersede frees a rowid that the correction then reuses', async () => {
    const s = await store();
    const next = generator(9);
    await s.insert(
      Array.from({ length: 10 }, () => record('s', randomUnit(next))),
      keep,
    );
    const old = record('s', randomUnit(next));
    await s.insert([old], keep);
    await s.vectorSearch(['s'], randomUnit(next), 1, { now: NOW });
    const bank = indexOf(s).bank('s').slots;
    const fix = record('s', randomUnit(next), { supersedes: old.id });
    await s.insert([fix], { nearDuplicateThreshold: 0.95 });
    const seq = s.database.prepare('SELECT seq FROM memories WHERE id = ?').pluck().get(fix.id) as number;
    const oldSeq = s.database.prepare('SELECT seq FROM memory_sketches WHERE seq = ?').pluck().get(seq);
    expect(oldSeq).toBe(seq);
    // The correction's slot is the live one for that rowid, and the superseded row's slot is dead.
    expect(bank.slotOf(seq)).toBe(bank.size - 1);
    expect(bank.live).toBe(11);
    const hits = await s.vectorSearch(['s'], fix.embedding, 1, { now: NOW });
    expect(hits[0]).toMatchObject({ id: fix.id });
  });

  it('sees inserts and erasures made by another connection to the same file', async () => {
    const path = dbPath();
    const [a, b] = [await store(path), await store(path)];
    const next = generator(5);
    await a.insert(
      Array.from({ length: 50 }, () => record('shared', randomUnit(next))),
      keep,
    );
    // A loads its index now, so what follows must reach it as a refresh, not as a first load.
    await a.vectorSearch(['shared'], randomUnit(next), 5, { now: NOW });
    const vector = randomUnit(next);
    const written = record('shared', vector);
    await b.insert([written], keep);
    expect((await a.vectorSearch(['shared'], vector, 1, { now: NOW }))[0]).toMatchObject({ id: written.id });
    const [again] = await a.insert([record('shared', atCosine(vector, 0.99, next))], { nearDuplicateThreshold: 0.95 });
    expect(again).toMatchObject({ status: 'duplicate', duplicateOf: written.id });

    await b.erase('shared', [written.id], { action: 'forget', at: NOW });
    const afterErase = await a.vectorSearch(['shared'], vector, 5, { now: NOW });
    expect(afterErase.map((h) => h.id)).not.toContain(written.id);
    // The erased row had the highest rowid, so B's next row reuses it: A must see the new vector under that rowid.
    const replacement = record('shared', randomUnit(next));
    await b.insert([replacement], keep);
    const hits = await a.vectorSearch(['shared'], replacement.embedding, 1, { now: NOW });
    expect(hits[0]).toMatchObject({ id: replacement.id });
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    const [near] = await a.insert([record('shared', atCosine(vector, 0.99, next))], { nearDuplicateThreshold: 0.95 });
    expect(near?.status).toBe('stored');
  });

  it('sketches rows written before the index existed when the file is next opened', async () => {
    const path = dbPath();
    const first = await store(path);
    const next = generator(6);
    const records = Array.from({ length: 20 }, () => record('old', randomUnit(next)));
    await first.insert(records, keep);
    // What a file of schema version 1 looks like once migrated: no sketches, and the backfill flag set.
    first.database.exec(`DELETE FROM memory_sketches;
      INSERT INTO astrocyte_meta (key, value) VALUES ('sketch_backfill', 'pending')`);
    await first.close();
    const reopened = await store(path);
    expect(reopened.database.prepare('SELECT count(*) FROM memory_sketches').pluck().get()).toBe(20);
    const target = records[7] as MemoryRecord;
    expect((await reopened.vectorSearch(['old'], target.embedding, 1, { now: NOW }))[0]).toMatchObject({
      id: target.id,
    });
    const flag = reopened.database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_backfill'").get();
    expect(flag).toBeUndefined();
  });
});

describe('Hamming kernel', () => {
  it('matches a plain popcount, also after the rows grow past a chunk', () => {
    const next = generator(8);
    const random = () => Uint32Array.from({ length: 16 }, () => Math.floor((next() + 0.5) * 2 ** 32) >>> 0);
    const rows = new SignatureRows(10);
    const stored: Uint32Array[] = [];
    const fill = (from: number, to: number) => {
      for (let row = from; row < to; row++) {
        stored[row] = random();
        rows.set(row, stored[row] as Uint32Array);
      }
    };
    // 40,000 rows span three chunks; the rows written before each growth must survive it, which moves the second
    // halves' copy in the kernel's memory (from 20,000 to 25,000 rows onto part of its old place).
    fill(0, 10);
    rows.resize(20_000);
    fill(10, 20_000);
    rows.resize(25_000);
    fill(20_000, 25_000);
    rows.resize(40_000);
    fill(25_000, 40_000);
    const query = random();
    const plain = (row: number, from: number, to: number) => {
      let h = 0;
      for (let w = from; w < to; w++) {
        const x = ((stored[row]?.[w] as number) ^ (query[w] as number)) >>> 0;
        h += (POPCOUNT_16[x & 0xffff] as number) + (POPCOUNT_16[x >>> 16] as number);
      }
      return h;
    };
    const distances = rows.scan(query, 40_000);
    expect(Array.from(distances)).toEqual(Array.from({ length: 40_000 }, (_, row) => plain(row, 0, 8)));
    for (const row of [0, 9, 10, 16_383, 16_384, 19_999, 20_000, 24_999, 25_000, 39_999]) {
      expect(rows.hamming(query, row)).toBe(plain(row, 0, 16));
      for (let w = 0; w < 16; w++) expect(rows.word(row, w)).toBe(stored[row]?.[w]);
    }
    // The second ranking: the scan's distances plus the second halves', for any rows in any order.
    const pool = [39_999, 0, 9, 10, 19_999, 20_000, 24_999, 25_000, 16_384, 7, 31_337];
    expect(Array.from(rows.ranked(query, pool))).toEqual(pool.map((row) => plain(row, 0, 16)));
    expect(Array.from(rows.ranked(query, []))).toEqual([]);
    // The kernel's selection of the rows within a bound, in row order, over a count that ends mid-group (eight
    // distances a group), where the padding after the last distance must not be taken.
    for (const count of [40_000, 39_997, 5, 0]) {
      rows.scan(query, count);
      for (const bound of [0, 100, 128, 256]) {
        const expected = Array.from({ length: count }, (_, row) => row).filter((row) => plain(row, 0, 8) <= bound);
        expect(Array.from(rows.within(bound, count))).toEqual(expected);
      }
    }
  });
});

describe('Hamming candidates', () => {
  it('picks the nearest slots on 256 bits, ranks a large pool on all 512, lowest first among ties', () => {
    const next = generator(9);
    const word = () => Math.floor((next() + 0.5) * 2 ** 32) >>> 0;
    const bank = new BankIndex('b', DIMENSIONS);
    const slots = bank.slots;
    // An odd number of slots, the last one the query itself: the pass that reads distances two at a time must not
    // skip it.
    const rows = 20_001;
    const signatures: Uint32Array[] = [];
    for (let seq = 1; seq <= rows; seq++) {
      const signature = Uint32Array.from({ length: 16 }, word);
      signatures.push(signature);
      // A third of the rows are close to the zero query, so many slots tie at each distance near the top.
      if (seq % 3 === 0) signature.fill(0, 0, 6);
      if (seq === rows) signature.fill(0);
      bank.add(seq, seq, seq % 7 === 0 ? 100 : null, { signature, code: new Int8Array(DIMENSIONS), scale: 0 });
    }
    for (let slot = 0; slot < slots.size; slot += 11) slots.remove(slot);
    const query = new Uint32Array(16);
    const bits = (slot: number, from: number, to: number) => {
      let d = 0;
      for (let w = from; w < to; w++) {
        const x = signatures[slot]?.[w] as number;
        d += (POPCOUNT_16[x & 0xffff] as number) + (POPCOUNT_16[x >>> 16] as number);
      }
      return d;
    };
    // Of the passing slots, the pool nearest by (distance on the first 256 bits, slot), then the first `want` of it
    // by (distance on all 512 bits, slot), in slot order.
    const expected = (want: number, filter: { from: number; to: number; now: number }) => {
      const passing: { slot: number; head: number; full: number }[] = [];
      for (let slot = 0; slot < slots.size; slot++) {
        // As added above: slot s holds seq s + 1 at moment s + 1, every 7th seq expires at 100, every 11th slot is dead.
        const seq = slot + 1;
        const expires = seq % 7 === 0 ? 100 : Number.POSITIVE_INFINITY;
        if (slot % 11 === 0 || expires <= filter.now || seq < filter.from || seq > filter.to) continue;
        const head = bits(slot, 0, 8);
        passing.push({ slot, head, full: head + bits(slot, 8, 16) });
      }
      passing.sort((a, b) => a.head - b.head || a.slot - b.slot);
      const pool = passing.slice(0, Math.max(want, Math.ceil(slots.size / POOL_SHARE)));
      pool.sort((a, b) => a.full - b.full || a.slot - b.slot);
      return pool
        .slice(0, want)
        .map((p) => p.slot)
        .sort((a, b) => a - b);
    };
    const open = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY, now: 200 };
    const narrow = { from: 5000, to: 5600, now: 200 };
    // 20 and 100 of 20,001 rank a pool of 126 on all 512 bits; 100 takes the sample; 5000 counts every slot; a
    // narrow time range leaves the sample short.
    for (const [want, filter] of [
      [20, open],
      [100, open],
      [300, { ...open, now: 50 }],
      [5000, open],
      [100, narrow],
      [1000, narrow],
    ] as const) {
      const picked = bank.nearestByHamming(query, want, filter);
      expect(picked).toEqual(expected(want, filter));
      if (filter === open) expect(picked).toContain(rows - 1);
    }
  });
});

describe('work in steps', () => {
  it("loads a bank's index in steps, with a turn for the event loop between them, whole", async () => {
    const s = await store();
    const next = generator(21);
    const records = Array.from({ length: 2 * ROWS_PER_STEP + 7 }, () => record('big', randomUnit(next)));
    await s.insert(records, keep);
    expect(indexOf(s).loaded('big')).toBeUndefined();
    let ticks = 0;
    const bank = await runSliced(indexOf(s).load('big'), async () => {
      ticks++;
    });
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(indexOf(s).loaded('big')).toBe(bank);
    expect(bank.slots.live).toBe(records.length);
    const seqs = s.database.prepare("SELECT seq FROM memories WHERE bank_id = 'big'").pluck().all() as number[];
    expect(seqs.every((seq) => bank.slots.has(seq))).toBe(true);
  });

  it('builds the LSH tables in steps, and they propose what tables built at once propose', () => {
    const next = generator(23);
    const bases = Array.from({ length: 3000 }, () => randomUnit(next));
    const [sliced, atOnce] = [new BankIndex('a', DIMENSIONS), new BankIndex('b', DIMENSIONS)];
    for (const [i, base] of bases.entries())
      for (const bank of [sliced, atOnce]) bank.add(i + 1, i + 1, null, sketchVector(base));
    let steps = 0;
    for (const _ of sliced.prepareNearDuplicates()) steps++;
    // A step at least per band.
    expect(steps).toBeGreaterThanOrEqual(32);
    for (const base of bases.slice(0, 50)) {
      const { signature, uncertain } = sketchVector(atCosine(base, 0.96, next), true);
      const bound = hammingBound(0.95);
      const proposed = sliced.nearDuplicateCandidates(signature, uncertain ?? new Uint8Array(0), bound);
      expect(proposed).toEqual(atOnce.nearDuplicateCandidates(signature, uncertain ?? new Uint8Array(0), bound));
      expect(proposed).toContain(bases.indexOf(base));
    }
  });

  it('proposes rows appended after the tables were built, and forgets them when their transaction rolls back', () => {
    const next = generator(29);
    const bank = new BankIndex('a', DIMENSIONS);
    const packed = Array.from({ length: 3000 }, () => randomUnit(next));
    for (const [i, base] of packed.entries()) bank.add(i + 1, i + 1, null, sketchVector(base));
    runAtOnce(bank.prepareNearDuplicates());
    const bound = hammingBound(0.95);
    const proposedFor = (base: Float32Array) => {
      const { signature, uncertain } = sketchVector(atCosine(base, 0.96, next), true);
      return bank.nearDuplicateCandidates(signature, uncertain ?? new Uint8Array(0), bound);
    };
    // Appended rows go into the chains; two of them land in the same buckets, so a chain holds more than one.
    const appended = Array.from({ length: 40 }, () => randomUnit(next));
    appended.push(atCosine(appended[0] as Float32Array, 0.999, next));
    for (const [i, base] of appended.entries()) bank.add(3001 + i, 3001 + i, null, sketchVector(base));
    for (const [i, base] of appended.entries()) expect(proposedFor(base)).toContain(3000 + i);
    expect(proposedFor(packed[7] as Float32Array)).toContain(7);
    // A rollback of the last 21 appends: they are proposed no more, the rows before them still are.
    bank.truncate(3020, 3020);
    for (const [i, base] of appended.entries()) {
      if (i < 20) expect(proposedFor(base)).toContain(3000 + i);
      else expect(proposedFor(base).filter((slot) => slot >= 3020)).toEqual([]);
    }
    expect(proposedFor(packed[7] as Float32Array)).toContain(7);
  });
});
