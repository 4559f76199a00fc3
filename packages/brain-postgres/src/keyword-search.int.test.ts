import { LocalEmbedder } from '@astrocyte/core';
import { KEYWORD_WEIGHTS, type MemoryRecord } from '@astrocyte/core/backend';
import { memoryRecord, randomBankId } from '@astrocyte/core/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from './postgres-memory-store.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';
import { StatementLog } from './testing-support/statement-log.js';

const { available, admin, openStore } = await postgresTestFile();

const embedder = new LocalEmbedder({ dimensions: 32 });
const NOW = new Date('2026-06-01T12:00:00Z');

function record(bankId: string, text: string, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return memoryRecord(bankId, text, { embedding: embedder.embedOne(text), createdAt: NOW, ...overrides });
}

describe.runIf(available)('postgres keyword search over common words', () => {
  it('ranks memories matching every term first even when a term matches more memories than are ranked', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    // 375 of 1,500 memories share "invoice": more than the candidates ranked per term, few enough to weigh.
    const common = Array.from({ length: 1500 }, (_, i) =>
      record(bank, `${i % 4 === 0 ? 'Invoice' : 'Receipt'} ${i} sent to client ${i % 40}`),
    );
    const both = Array.from({ length: 3 }, (_, i) => record(bank, `Invoice ${i} disputed by the auditor Okonkwo`));
    const rare = record(bank, 'Okonkwo visited the warehouse');
    // The best matches are written last, so a scan that stopped at the first matches would never see them.
    await store.insert([...common, ...both, rare], { nearDuplicateThreshold: null });

    const hits = await store.keywordSearch([bank], ['invoice', 'okonkwo'], 10, { now: NOW });
    // Four memories have "okonkwo": the search fills up with the first of the common term's.
    expect(hits).toHaveLength(10);
    expect(new Set(hits.slice(0, 3).map((h) => h.id))).toEqual(new Set(both.map((r) => r.id)));
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(hits[0]?.score).toBeGreaterThan(hits[3]?.score as number);
    // A term matched by few memories is ranked in full however many memories match the others; the rarest words
    // weigh most: the one memory with "okonkwo" and "warehouse" comes first, then the three with "okonkwo".
    const rareHits = await store.keywordSearch([bank], ['okonkwo', 'warehouse', 'invoice'], 10, { now: NOW });
    expect(rareHits[0]?.id).toBe(rare.id);
    expect(new Set(rareHits.slice(1, 4).map((h) => h.id))).toEqual(new Set(both.map((r) => r.id)));
    await store.close();
  });

  it('weighs terms alike when the planner estimates their frequencies with a parallel plan', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    // Terms in 1 of 2, 1 of 10 and 1 of 100 memories.
    const texts = Array.from({ length: 2400 }, (_, i) =>
      [i % 2 ? 'harbour' : 'station', i % 10 ? 'morning' : 'ferry', i % 100 ? 'grey' : 'lantern', `note ${i}`].join(
        ' ',
      ),
    );
    await store.insert(
      texts.map((text) => record(bank, text)),
      { nearDuplicateThreshold: null },
    );
    // The same store read through a pool whose planner prefers parallel plans: estimates under a Gather are per
    // worker, and must be scaled back, or the weights (and so the order) would change.
    const parallel = new pg.Pool({
      connectionString: TEST_DATABASE_URL,
      options: '-c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0',
    });
    const { rows } = await parallel.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT 1 FROM "${store.schema}".memories m WHERE m.bank_id = $1 UNION ALL SELECT 1 FROM "${store.schema}".memories m WHERE true`,
      [bank],
    );
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('Gather');
    const other = await openPostgresStore({ pool: parallel, schema: store.schema });
    const terms = ['harbour', 'ferry', 'lantern'];
    const serialHits = await store.keywordSearch([bank], terms, 20, { now: NOW });
    const parallelHits = await other.keywordSearch([bank], terms, 20, { now: NOW });
    expect(parallelHits.map((h) => h.id)).toEqual(serialHits.map((h) => h.id));
    for (const [i, hit] of parallelHits.entries()) expect(hit.score).toBeCloseTo(serialHits[i]?.score as number, 3);
    // The rarer the term, the more a match weighs: the 240 memories with "ferry" (1 in 10) come before any with
    // "harbour" (1 in 2), which ts_rank alone would rank alike (their entries are as long).
    const byRarity = await store.keywordSearch([bank], ['harbour', 'ferry'], 250, { now: NOW });
    expect(byRarity).toHaveLength(250);
    expect(byRarity.slice(0, 240).every((h) => h.memory?.text.includes('ferry'))).toBe(true);
    expect(byRarity.slice(240).every((h) => h.memory?.text.includes('harbour'))).toBe(true);
    await other.close();
    await parallel.end();
    await store.close();
  });

  it('asks the planner once for what it has estimated, and weighs terms by what the store has written since', async () => {
    const log = new StatementLog(new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 }));
    const store = await openStore(embedder, { pool: log.pool });
    const bank = randomBankId();
    const note = (word: string, n: number) => Array.from({ length: n }, (_, i) => record(bank, `${word} note ${i}`));
    await store.insert([...note('Alpha', 1), ...note('Beta', 6), ...note('Gamma', 50)], {
      nearDuplicateThreshold: null,
    });
    const search = () => store.keywordSearch([bank], ['alpha', 'beta'], 10, { now: NOW });
    let hits: Awaited<ReturnType<typeof search>> = [];
    const first = await log.during(async () => {
      hits = await search();
    });
    expect(first.some((s) => s.startsWith('EXPLAIN'))).toBe(true);
    // The rarer term weighs more: the one "alpha" note comes first.
    expect(hits[0]?.memory?.text).toBe('Alpha note 0');
    // A recall's feedback search repeats its first search's terms: the same search again is one statement.
    const again = await log.during(async () => {
      expect((await search()).map((h) => h.id)).toEqual(hits.map((h) => h.id));
    });
    expect(again).toHaveLength(1);
    // Twenty more "alpha" notes: "beta" (6) is now the rarer term, and its notes come first.
    await store.insert(note('Alpha', 21).slice(1), { nearDuplicateThreshold: null });
    const after = await search();
    expect(after.slice(0, 6).every((h) => h.memory?.text.startsWith('Beta'))).toBe(true);
    await store.close();
    await log.pool.end();
  });

  it("counts the matches of a term the planner's statistics do not list, and only estimates a listed one's", async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    const store = await openStore(embedder, { pool });
    const bank = randomBankId();
    const texts = Array.from({ length: 3000 }, (_, i) => `${i % 2 ? 'harbour' : 'station'} note ${i}`);
    await store.insert(
      [...texts, 'Okonkwo left the harbour'].map((text) => record(bank, text)),
      { nearDuplicateThreshold: null },
    );
    await admin.query(`ANALYZE "${store.schema}".memories`);
    const { rows } = await admin.query<{ listed: string[] }>(
      `SELECT most_common_elems::text::text[] AS listed FROM pg_stats
        WHERE schemaname = $1 AND tablename = 'memories' AND attname = 'tsv'`,
      [store.schema],
    );
    expect(rows[0]?.listed).toContain('harbour');
    expect(rows[0]?.listed).not.toContain('okonkwo');
    const sent: string[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    pool.query = ((...args: unknown[]) => {
      sent.push(String(args[0]));
      return query(...args);
    }) as typeof pool.query;

    const hits = await store.keywordSearch([bank], ['harbour', 'okonkwo'], 10, { now: NOW });
    expect(hits[0]?.memory?.text).toBe('Okonkwo left the harbour');
    // Counting "harbour" would read the 1,500 rows it matches; the statistics say how many there are.
    const counts = sent.flatMap((sql) => sql.match(/count\(\*\) FROM \S+ m WHERE m\.tsv @@/g) ?? []);
    expect(counts).toHaveLength(1);
    await store.close();
    await pool.end();
  });

  it('ranks every match of a bank small enough for an exact vector scan', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    const common = Array.from({ length: 1500 }, (_, i) => record(bank, `Invoice ${i} sent to client ${i % 40}`));
    // Written last, beyond the first matches a bounded search of a large bank would rank.
    const best = record(bank, 'Invoice, invoice and yet another invoice overdue');
    await store.insert([...common, best], { nearDuplicateThreshold: null });
    // A recall searches by vector and keyword together; the vector search learns the bank's size.
    await store.vectorSearch([bank], embedder.embedOne('invoice'), 10, { now: NOW });
    const hits = await store.keywordSearch([bank], ['invoice'], 10, { now: NOW });
    expect(hits[0]?.id).toBe(best.id);
    await store.close();
  });
});

describe.runIf(available)('postgres keyword entries of conversations', () => {
  it("weighs a match in the text (a turn's speaker included), the date and a neighbour as KEYWORD_WEIGHTS says", async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    // NOW is a Monday; each memory holds "friday" once, in one column only.
    const inText = record(bank, 'Pay day is friday', { episodeId: 'week' });
    const inContext = record(bank, 'Then the parcels go out', { episodeId: 'week' });
    const inSpeaker = record(bank, 'I carry the parcels', { speaker: 'Friday' });
    const inDate = record(bank, 'The parcels arrived', { occurredAt: new Date('2026-06-05T08:00:00Z') });
    await store.insert([inText, inContext, inSpeaker, inDate], { nearDuplicateThreshold: null });
    const hits = await store.keywordSearch([bank], ['friday'], 10, { now: NOW });
    // Ranks are divided by ln(1 + the words of the memory's own text and date, classes A and C): multiplied back.
    const { rows } = await admin.query<{ id: string; words: string }>(
      `SELECT id, length(ts_filter(tsv, '{a,c}')) AS words FROM "${store.schema}".memories WHERE bank_id = $1`,
      [bank],
    );
    const unnormalized = (id: string) =>
      (hits.find((h) => h.id === id)?.score ?? 0) * Math.log(1 + Number(rows.find((r) => r.id === id)?.words));
    const score = (r: MemoryRecord) => unnormalized(r.id) / unnormalized(inText.id);
    // A turn's text is its transcript line, "Friday: I carry the parcels".
    expect(score(inSpeaker)).toBeCloseTo(1, 4);
    expect(score(inDate)).toBeCloseTo(KEYWORD_WEIGHTS.date / KEYWORD_WEIGHTS.text, 4);
    expect(score(inContext)).toBeCloseTo(KEYWORD_WEIGHTS.context / KEYWORD_WEIGHTS.text, 4);
    await store.close();
  });

  it('ranks a short answer between two long turns above a longer note with the same word', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    // Long turns of words no question here asks about: the answer's entry holds them as its neighbours'.
    const ramble = (topic: string) =>
      Array.from({ length: 60 }, (_, i) => `${topic} detail ${i} went on and on`).join(', ');
    const note = record(
      bank,
      'Shopping list for the weekend: bread, milk, apples, a kayak paddle, sun cream, rope, two folding chairs',
    );
    const turns = [ramble('garden'), 'I bought a kayak.', ramble('weather')].map((text, i) =>
      record(bank, text, { speaker: i % 2 ? 'Bo' : 'Ann', episodeId: 'chat' }),
    );
    await store.insert([note, ...turns], { nearDuplicateThreshold: null });
    const hits = await store.keywordSearch([bank], ['kayak'], 10, { now: NOW });
    expect(hits[0]?.memory?.text).toBe('I bought a kayak.');
    await store.close();
  });

  it('links the turns of an episode written in one insert larger than a chunk, across the chunk boundary', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    const turns = Array.from({ length: 300 }, (_, i) =>
      record(bank, `Turn ${i} ${i === 128 ? 'mentions the codeword quillfeather' : 'is small talk'}`, {
        speaker: i % 2 ? 'Ben' : 'Ann',
        episodeId: 'long-call',
      }),
    );
    await store.insert(turns, { nearDuplicateThreshold: null });
    const stored = await store.get(
      bank,
      turns.map((t) => t.id),
    );
    expect(stored.map((m) => m.episode?.position)).toEqual(turns.map((_, i) => i));
    // Turn 127 closed the first chunk of 128 records; it learns of turn 128 when the second chunk goes in.
    const hits = await store.keywordSearch([bank], ['quillfeather'], 10, { now: NOW });
    expect(hits[0]?.id).toBe(turns[128]?.id);
    expect(new Set(hits.map((h) => h.id))).toEqual(new Set([127, 128, 129].map((i) => turns[i]?.id)));
    await store.close();
  });

  it("takes a superseded turn's text out of its neighbours' entries, which then hold each other", async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    const turns = ['We met at the lighthouse', 'The locker code is marigold', 'Then we walked home'].map((text) =>
      record(bank, text, { episodeId: 'walk', speaker: 'Ann' }),
    );
    await store.insert(turns, { nearDuplicateThreshold: null });
    const [first, middle, last] = turns as [MemoryRecord, MemoryRecord, MemoryRecord];
    // Each entry as text, and its context class (D, which the text form leaves unmarked) alone.
    const entries = async () => {
      const { rows } = await admin.query<{ id: string; tsv: string; context: string }>(
        `SELECT id, tsv::text, ts_filter(tsv, '{d}')::text AS context FROM "${store.schema}".memories WHERE bank_id = $1`,
        [bank],
      );
      return new Map(rows.map((r) => [r.id, r]));
    };
    expect((await entries()).get(first.id)?.context).toContain("'marigold'");
    await store.insert([record(bank, 'The locker code changed', { supersedes: middle.id })], {
      nearDuplicateThreshold: null,
    });
    const after = await entries();
    for (const id of [first.id, last.id]) expect(after.get(id)?.tsv).not.toContain('marigold');
    expect(after.get(first.id)?.context).toContain("'walk'");
    expect(after.get(last.id)?.context).toContain("'lighthous'");
    await store.close();
  });
});
