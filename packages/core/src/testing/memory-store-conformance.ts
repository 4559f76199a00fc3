import { afterEach, describe, expect, it } from 'vitest';
import { AstrocyteError } from '../errors.js';
import type { MemoryRecord, MemoryStore, SearchFilter } from '../memory-store.js';
import { contentHash, searchTerms } from '../text.js';
import { axisVector, memoryRecord } from './memory-records.js';
import { describeChainConformance } from './memory-store-chains.js';
import { describeEpisodeConformance } from './memory-store-episodes.js';
import { describeMemoryLimitConformance } from './memory-store-limits.js';
import { describePathPrefixConformance } from './memory-store-path-prefix.js';
import { randomBankId, type StoreFactory } from './store-factory.js';

const DIMENSIONS = 8;
const EMBEDDER = { name: 'conformance-axes', dimensions: DIMENSIONS };
const NOW = new Date('2026-06-01T12:00:00Z');
const FILTER: SearchFilter = { now: NOW };

const vector = (axis: number, tilt = 0) => axisVector(DIMENSIONS, axis, tilt);

function record(bankId: string, text: string, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return memoryRecord(bankId, text, {
    embedding: vector(0),
    createdAt: NOW,
    versions: [{ action: 'create', at: NOW, actor: 'conformance' }],
    ...overrides,
  });
}

/**
 * The MemoryStore SPI contract. Run it in a backend's tests:
 * `describeMemoryStoreConformance('sqlite', { create: () => openSqliteStore({ path: ':memory:' }) })`.
 */
export function describeMemoryStoreConformance(name: string, factory: StoreFactory): void {
  describe(`MemoryStore conformance: ${name}`, () => {
    const open: MemoryStore[] = [];
    const fresh = async () => {
      const store = await factory.create();
      open.push(store);
      await store.ensureEmbedder(EMBEDDER);
      return store;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });
    describeEpisodeConformance(fresh, record, FILTER);
    describeChainConformance(fresh, record);
    describePathPrefixConformance(fresh, record, FILTER);
    describeMemoryLimitConformance(fresh, record);

    it('refuses every call after close with store_closed, storing nothing; a second close is harmless', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const kept = record(bank, 'Ada prefers tea');
      await store.insert([kept], { nearDuplicateThreshold: null });
      await store.close();
      const calls: (() => Promise<unknown>)[] = [
        () => store.insert([record(bank, 'Ada prefers coffee')], { nearDuplicateThreshold: null }),
        () => store.get(bank, [kept.id]),
        () => store.list(bank, { limit: 10 }),
        () => store.select(bank, { all: true }),
        () => store.findByHash(bank, kept.contentHash),
        () => store.vectorSearch([bank], vector(0), 5, FILTER),
        () => store.keywordSearch([bank], ['tea'], 5, FILTER),
        () => store.chains(bank, { all: true }),
        () => store.erase(bank, [kept.id], { action: 'forget', at: NOW }),
        () => store.expired(NOW, 10),
        () => store.history(bank, kept.id),
        () => store.banks(),
        // Its parts too: the access ledger and the re-embedding, where the store has them.
        ...(store.accessLedger
          ? [
              () => store.accessLedger?.addToCounter('k', NOW, 1, NOW) as Promise<unknown>,
              () => store.accessLedger?.listAudit({ limit: 10 }) as Promise<unknown>,
            ]
          : []),
        ...(store.reembedding ? [() => store.reembedding?.state() as Promise<unknown>] : []),
      ];
      for (const call of calls)
        await expect(Promise.resolve().then(call), call.toString()).rejects.toMatchObject({ code: 'store_closed' });
      await expect(store.close()).resolves.toBeUndefined();
    });

    it('records the embedder and refuses another name or dimension', async () => {
      const store = await fresh();
      await expect(store.ensureEmbedder(EMBEDDER)).resolves.toBeUndefined();
      const error = await store.ensureEmbedder({ name: 'other', dimensions: DIMENSIONS }).catch((e) => e);
      expect(AstrocyteError.isInstance(error)).toBe(true);
      expect(error.code).toBe('embedder_mismatch');
      await expect(store.ensureEmbedder({ name: EMBEDDER.name, dimensions: 16 })).rejects.toMatchObject({
        code: 'embedder_mismatch',
      });
    });

    it('refuses a record whose vector holds NaN or an infinity, storing nothing of its insert', async () => {
      const store = await fresh();
      const bank = randomBankId();
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const embedding = vector(2);
        embedding[1] = bad;
        const good = record(bank, 'the vector of this one is fine');
        const refused = store.insert([good, record(bank, 'this one is not', { embedding })], {
          nearDuplicateThreshold: null,
        });
        await expect(refused).rejects.toMatchObject({
          code: 'invalid_input',
          details: { field: 'records[1].embedding' },
        });
      }
      expect((await store.list(bank, { limit: 10 })).items).toEqual([]);
    });

    it('refuses a query vector holding NaN or an infinity, or of another dimension, naming it', async () => {
      const store = await fresh();
      const bank = randomBankId();
      await store.insert([record(bank, 'Ada prefers tea')], { nearDuplicateThreshold: null });
      const nan = vector(2);
      nan[0] = Number.NaN;
      const infinite = vector(2);
      infinite[3] = Number.NEGATIVE_INFINITY;
      for (const bad of [nan, infinite, new Float32Array(DIMENSIONS + 1)]) {
        await expect(store.vectorSearch([bank], bad, 5, FILTER)).rejects.toMatchObject({
          code: 'invalid_input',
          details: { field: 'embedding' },
        });
      }
    });

    it('stores records and returns every field unchanged', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const input = record(bank, 'Ada prefers tea in the morning', {
        tags: ['preference', 'drink'],
        metadata: { source: 'chat', nested: { n: 1, list: [true, null, 'x'] } },
        path: 'people/ada',
        occurredAt: new Date('2025-01-02T03:04:05.678Z'),
        expiresAt: new Date('2030-01-01T00:00:00Z'),
      });
      expect(await store.insert([input], { nearDuplicateThreshold: null })).toEqual([
        { status: 'stored', id: input.id },
      ]);
      const [got] = await store.get(bank, [input.id]);
      expect(got).toEqual({
        id: input.id,
        bankId: bank,
        text: input.text,
        tags: ['preference', 'drink'],
        metadata: input.metadata,
        path: 'people/ada',
        createdAt: NOW,
        occurredAt: input.occurredAt,
        expiresAt: input.expiresAt,
      });
      expect(await store.findByHash(bank, input.contentHash)).toBe(input.id);
    });

    it('reports an exact duplicate within a bank but stores the same text in another bank', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      const first = record(a, 'the sky is blue');
      await store.insert([first], { nearDuplicateThreshold: null });
      const again = record(a, ' the  sky is\nblue', {
        contentHash: contentHash(' the  sky is\nblue'),
        embedding: vector(3),
      });
      expect(await store.insert([again], { nearDuplicateThreshold: null })).toEqual([
        { status: 'duplicate', duplicateOf: first.id, match: 'exact', similarity: 1, addedTags: [] },
      ]);
      const elsewhere = record(b, 'the sky is blue');
      expect(await store.insert([elsewhere], { nearDuplicateThreshold: null })).toEqual([
        { status: 'stored', id: elsewhere.id },
      ]);
      expect(await store.get(a, [again.id])).toEqual([]);
    });

    it('checks each record of a batch against the earlier ones', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const one = record(bank, 'alpha');
      const two = record(bank, 'alpha');
      const near = record(bank, 'Alpha!', { embedding: vector(0, 0.05) });
      const far = record(bank, 'beta', { embedding: vector(4) });
      const outcomes = await store.insert([one, two, near, far], { nearDuplicateThreshold: 0.95 });
      expect(outcomes[0]).toEqual({ status: 'stored', id: one.id });
      expect(outcomes[1]).toMatchObject({ status: 'duplicate', duplicateOf: one.id, match: 'exact' });
      expect(outcomes[2]).toMatchObject({ status: 'duplicate', duplicateOf: one.id, match: 'near' });
      expect((outcomes[2] as { similarity: number }).similarity).toBeGreaterThan(0.99);
      expect(outcomes[3]).toEqual({ status: 'stored', id: far.id });
    });

    it('applies the near-duplicate threshold only when given, and only within the bank', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      await store.insert([record(a, 'first', { embedding: vector(1) })], { nearDuplicateThreshold: 0.9 });
      const similar = record(a, 'second', { embedding: vector(1, 0.2) });
      expect(await store.insert([similar], { nearDuplicateThreshold: null })).toEqual([
        { status: 'stored', id: similar.id },
      ]);
      const other = record(b, 'third', { embedding: vector(1, 0.1) });
      expect(await store.insert([other], { nearDuplicateThreshold: 0.9 })).toEqual([
        { status: 'stored', id: other.id },
      ]);
      const dissimilar = record(a, 'fourth', { embedding: vector(1, 0.9) });
      expect(await store.insert([dissimilar], { nearDuplicateThreshold: 0.99 })).toEqual([
        { status: 'stored', id: dissimilar.id },
      ]);
    });

    it('checks each record of an insert into several banks against its own bank', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      const inA = record(a, 'alpha', { embedding: vector(1) });
      const inB = record(b, 'beta', { embedding: vector(2) });
      await store.insert([inA, inB], { nearDuplicateThreshold: null });
      const nearB = record(b, 'Beta!', { embedding: vector(2, 0.1) });
      const likeB = record(a, 'beta, told in the other bank', { embedding: vector(2, 0.1) });
      const nearA = record(a, 'Alpha.', { embedding: vector(1, 0.1) });
      const outcomes = await store.insert([nearB, likeB, nearA], { nearDuplicateThreshold: 0.9 });
      expect(outcomes[0]).toMatchObject({ status: 'duplicate', duplicateOf: inB.id, match: 'near' });
      expect(outcomes[1]).toEqual({ status: 'stored', id: likeB.id });
      expect(outcomes[2]).toMatchObject({ status: 'duplicate', duplicateOf: inA.id, match: 'near' });
    });

    it('finds nearest vectors in rank order, only in the banks asked for', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      const close = record(a, 'close', { embedding: vector(2, 0.1) });
      const closer = record(a, 'closer', { embedding: vector(2) });
      const far = record(a, 'far', { embedding: vector(5) });
      const foreign = record(b, 'foreign', { embedding: vector(2) });
      await store.insert([close, closer, far, foreign], { nearDuplicateThreshold: null });
      const hits = await store.vectorSearch([a], vector(2), 10, FILTER);
      expect(hits.map((h) => h.id)).toEqual([closer.id, close.id, far.id]);
      expect(hits[0]?.score).toBeCloseTo(1, 4);
      expect(hits[2]?.score).toBeCloseTo(0, 4);
      expect(hits.every((h) => h.bankId === a)).toBe(true);
      expect((await store.vectorSearch([a, b], vector(2), 2, FILTER)).map((h) => h.id).sort()).toEqual(
        [closer.id, foreign.id].sort(),
      );
      expect(await store.vectorSearch([randomBankId()], vector(2), 10, FILTER)).toEqual([]);
    });

    it('never lets memories without a direction crowd the nearest out of a vector search', async () => {
      const store = await fresh();
      const bank = randomBankId();
      // Text with no words (punctuation, emoji) embeds to the zero vector, whose cosine distance is undefined.
      const blank = Array.from({ length: 12 }, (_, i) =>
        record(bank, '!'.repeat(i + 1), { embedding: new Float32Array(DIMENSIONS) }),
      );
      const near = record(bank, 'near', { embedding: vector(3, 0.1) });
      await store.insert([...blank, near], { nearDuplicateThreshold: null });
      const hits = await store.vectorSearch([bank], vector(3), 5, FILTER);
      expect(hits[0]?.id).toBe(near.id);
      expect(hits.every((h) => Number.isFinite(h.score))).toBe(true);
    });

    it('filters searches by tags, path prefix, time range and expiry inside the limit', async () => {
      const store = await fresh();
      const bank = randomBankId();
      // Many unmatched near neighbours first, so a store that filters after a plain top-k would miss the target.
      const decoys = Array.from({ length: 30 }, (_, i) =>
        record(bank, `decoy note ${i}`, { embedding: vector(6, i / 1000) }),
      );
      const tagged = record(bank, 'tagged note', { embedding: vector(6, 0.5), tags: ['keep'] });
      const pathed = record(bank, 'pathed note', { embedding: vector(6, 0.6), path: 'projects/apollo/decisions' });
      const sibling = record(bank, 'sibling note', { embedding: vector(6, 0.01), path: 'projects/apollonia' });
      const old = record(bank, 'old note', { embedding: vector(6, 0.7), occurredAt: new Date('2020-01-01T00:00:00Z') });
      const expired = record(bank, 'expired note', {
        embedding: vector(6),
        expiresAt: new Date(NOW.getTime() - 1000),
        tags: ['keep'],
      });
      await store.insert([...decoys, tagged, pathed, sibling, old, expired], { nearDuplicateThreshold: null });
      const ids = async (filter: Partial<SearchFilter>) =>
        (await store.vectorSearch([bank], vector(6), 5, { ...FILTER, ...filter })).map((h) => h.id);
      expect(await ids({ tags: ['keep', 'absent'] })).toEqual([tagged.id]);
      expect(await ids({ pathPrefix: 'projects/apollo' })).toEqual([pathed.id]);
      expect(await ids({ pathPrefix: 'projects' })).toHaveLength(2);
      expect(await ids({ to: new Date('2021-01-01T00:00:00Z') })).toEqual([old.id]);
      expect(await ids({ from: new Date('2019-12-31T00:00:00Z'), to: new Date('2020-01-01T00:00:00Z') })).toEqual([
        old.id,
      ]);
      expect(await ids({})).not.toContain(expired.id);
      const keyword = await store.keywordSearch([bank], ['note'], 5, { ...FILTER, tags: ['keep'] });
      expect(keyword.map((h) => h.id)).toEqual([tagged.id]);
    });

    it('ranks the older of two equal keyword matches first', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      // Stored first in the bank asked for second, so that neither the bank order nor the ids decide.
      const older = record(b, 'The office closes at six', { embedding: vector(1) });
      const newer = record(a, 'The office closes at six', {
        embedding: vector(1),
        createdAt: new Date(NOW.getTime() + 1),
      });
      await store.insert([older], { nearDuplicateThreshold: null });
      await store.insert([newer], { nearDuplicateThreshold: null });
      // SQLite's sorter left such ties in another order depending on how many rows it kept (40 here, not 10).
      for (const limit of [10, 40]) {
        const hits = await store.keywordSearch([a, b], ['office', 'closes'], limit, FILTER);
        expect(hits.map((h) => h.id)).toEqual([older.id, newer.id]);
        expect(hits[0]?.score).toBe(hits[1]?.score);
      }
    });

    it('finds keywords, ranks more matching terms higher, and treats query syntax as plain words', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      const both = record(a, 'The quarterly budget review is on Friday', { embedding: vector(1) });
      const one = record(a, 'Budget approved', { embedding: vector(2) });
      const none = record(a, 'Lunch with Sam', { embedding: vector(3) });
      const foreign = record(b, 'Budget review elsewhere', { embedding: vector(1) });
      await store.insert([both, one, none, foreign], { nearDuplicateThreshold: null });
      const hits = await store.keywordSearch([a], ['budget', 'review'], 10, FILTER);
      expect(hits.map((h) => h.id)).toEqual([both.id, one.id]);
      expect(hits.every((h) => h.bankId === a)).toBe(true);
      for (const hostile of [
        '"',
        'or',
        'and',
        'not',
        'near',
        '*',
        '(',
        'budget*',
        "'",
        ':',
        '^',
        '-budget',
        'col:budget',
        '!',
        '&',
        '|',
      ]) {
        await expect(store.keywordSearch([a], [hostile], 10, FILTER)).resolves.toBeInstanceOf(Array);
      }
      expect(await store.keywordSearch([a], ['nonexistentword'], 10, FILTER)).toEqual([]);
    });

    it('finds a word as core reads the query: with its combining marks, with a dotted capital I', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const izmir = record(bank, 'Our office in İzmir opens on Monday', { embedding: vector(2) });
      const tea = record(bank, 'मुझे चाय पसंद है', { embedding: vector(3) });
      const rice = record(bank, 'We ordered ข้าวผัด for dinner', { embedding: vector(4) });
      await store.insert([izmir, tea, rice, record(bank, 'Buy eggs and milk')], { nearDuplicateThreshold: null });
      const found = async (query: string) =>
        (await store.keywordSearch([bank], searchTerms(query), 10, FILTER)).map((h) => h.id);
      expect(await found('İzmir')).toEqual([izmir.id]);
      expect(await found('izmir')).toEqual([izmir.id]);
      expect(await found('चाय')).toEqual([tea.id]);
      expect(await found('ข้าวผัด')).toEqual([rice.id]);
    });

    it('finds a short word by its singular, as the stores stem it', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const cars = record(bank, 'We own two cars', { embedding: vector(1) });
      const eggs = record(bank, 'Buy eggs and milk', { embedding: vector(2) });
      await store.insert([cars, eggs, record(bank, 'The neighbours have three dogs')], {
        nearDuplicateThreshold: null,
      });
      for (const [query, id] of [
        ['car', cars.id],
        ['egg', eggs.id],
      ])
        expect((await store.keywordSearch([bank], [query as string], 10, FILTER)).map((h) => h.id)).toEqual([id]);
    });

    it('ranks a memory matching a rare term above those matching a common one (bm25)', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const common = ['venue', 'caterer', 'music'].map((what, i) =>
        record(bank, `We decided on the ${what}`, { embedding: vector(i + 1) }),
      );
      const rare = record(bank, 'The March budget', { embedding: vector(4) });
      await store.insert([...common, rare], { nearDuplicateThreshold: null });
      const hits = await store.keywordSearch([bank], searchTerms('decided March'), 10, FILTER);
      expect(hits[0]?.id).toBe(rare.id);
      expect(hits.map((h) => h.id).sort()).toEqual([...common, rare].map((r) => r.id).sort());
    });

    it('finds a Latin word written without its accents, except on Postgres (docs/backends.md)', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const cafe = record(bank, 'We met at Café Central', { embedding: vector(1) });
      await store.insert([cafe, record(bank, 'Lunch with Anna')], { nearDuplicateThreshold: null });
      const hits = await store.keywordSearch([bank], searchTerms('cafe'), 10, FILTER);
      expect(hits.map((h) => h.id)).toEqual(store.backend === 'postgres' ? [] : [cafe.id]);
      expect((await store.keywordSearch([bank], searchTerms('Café'), 10, FILTER)).map((h) => h.id)).toEqual([cafe.id]);
    });

    it('finds a word inside a path, host name, file name, version, date, code or decimal, as the query splits it', async () => {
      const store = await fresh();
      const bank = randomBankId();
      // Each memory with queries that name a part of it, written as a user would; the query is split into words
      // (searchTerms), and every store must split the memory's text alike.
      const cases: [string, string[]][] = [
        [
          'The config file is at /etc/nginx/sites-available/default.conf',
          ['nginx', 'sites-available', 'default.conf', 'etc nginx'],
        ],
        ['The doc is at https://docs.example.com/specs/payments-v2', ['specs', 'payments-v2']],
        ['Staging runs on staging.internal.acme.io', ['acme', 'internal']],
        ['The budget is in quarterly_budget.xlsx', ['xlsx']],
        ['We upgraded Node to v20.11.1 and pnpm to 9.4.0', ['v20.11.1', '20.11.1', '9.4.0']],
        ['The bug was fixed in release v2.10.3', ['v2.10.3', '2.10.3']],
        ['Her wedding is on 12/06/2025', ['12/06/2025', '2025']],
        ['The contract ends on 2024-05-31', ['31', '05/31']],
        ['Ticket JIRA-4521 tracks the login bug', ['4521', 'ticket 4521']],
        ['Order ABC-123 shipped', ['123']],
        ['Conversion rate dropped to 3.5%', ['3.5%']],
        ['The dose is 2.5 mg', ['2.5']],
      ];
      const records = cases.map(([text], i) => record(bank, text, { embedding: vector(i % DIMENSIONS) }));
      // A conversation: the speaker's name and a neighbour's text are searched too.
      const status = record(bank, 'Deploy finished', { speaker: 'ops.bot', episodeId: 'deploys' });
      const logs = record(bank, 'Logs are at /var/log/deployer/app.log', { speaker: 'Dana', episodeId: 'deploys' });
      const distractor = record(bank, 'Ticket triage is on Monday');
      await store.insert([...records, distractor, status, logs], { nearDuplicateThreshold: null });
      const first = async (query: string) => (await store.keywordSearch([bank], searchTerms(query), 10, FILTER))[0]?.id;
      for (const [i, [, queries]] of cases.entries())
        for (const query of queries)
          expect({ query, found: await first(query) }).toEqual({ query, found: records[i]?.id });
      expect(await first('ops')).toBe(status.id);
      const deployer = await store.keywordSearch([bank], searchTerms('deployer'), 10, FILTER);
      expect(new Set(deployer.map((h) => h.id))).toEqual(new Set([logs.id, status.id]));
    });

    it('finds a Chinese, Japanese, Thai or Korean word inside a sentence, as the query splits it', async () => {
      const store = await fresh();
      const bank = randomBankId();
      // Each memory with words it holds inside a clause (Korean: with its particle attached), queried alone.
      const cases: [string, string[]][] = [
        ['我喜欢喝咖啡，每天早上都去星巴克', ['咖啡', '星巴克', '喝咖啡']],
        ['我的护照在抽屉里', ['护照', '抽屉']],
        ['東京の会議は来週の火曜日です', ['東京', '会議', '火曜日']],
        ['昨日はラーメンを食べました', ['ラーメン']],
        ['저는 매운 음식을 좋아해요', ['음식']],
        ['เราสั่งข้าวผัดเป็นมื้อเย็น', ['ข้าวผัด']],
      ];
      const records = cases.map(([text], i) => record(bank, text, { embedding: vector(i % DIMENSIONS) }));
      // A conversation: the speaker's name and a neighbour's text are searched too.
      const question = record(bank, '明天的会议在哪里', { speaker: 'Ann', episodeId: 'office' });
      const answer = record(bank, 'In room 4', { speaker: '田中さん', episodeId: 'office' });
      const others = ['东京的会议在星期二', 'The weather was nice', 'Rent is €950'].map((text) => record(bank, text));
      await store.insert([...records, ...others, question, answer], { nearDuplicateThreshold: null });
      const first = async (query: string) => (await store.keywordSearch([bank], searchTerms(query), 10, FILTER))[0]?.id;
      for (const [i, [, queries]] of cases.entries())
        for (const query of queries)
          expect({ query, found: await first(query) }).toEqual({ query, found: records[i]?.id });
      expect(await first('田中')).toBe(answer.id);
      const where = await store.keywordSearch([bank], searchTerms('哪里'), 10, FILTER);
      expect(new Set(where.map((h) => h.id))).toEqual(new Set([question.id, answer.id]));
    });

    it('attaches to a hit, if anything, the very memory get returns', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const full = record(bank, 'Budget notes for the apollo launch', {
        embedding: vector(4),
        tags: ['finance'],
        metadata: { source: 'meeting', attendees: 3 },
        path: 'projects/apollo',
        occurredAt: new Date('2026-05-01T09:00:00Z'),
        expiresAt: new Date('2027-01-01T00:00:00Z'),
      });
      await store.insert([full], { nearDuplicateThreshold: null });
      const [stored] = await store.get(bank, [full.id]);
      const hits = [
        ...(await store.vectorSearch([bank], vector(4), 5, FILTER)),
        ...(await store.keywordSearch([bank], ['budget'], 5, FILTER)),
      ];
      expect(hits.map((h) => h.id)).toEqual([full.id, full.id]);
      for (const hit of hits) if (hit.memory) expect(hit.memory).toEqual(stored);
    });

    it('gets only ids of the bank asked for', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      const mine = record(a, 'mine');
      const theirs = record(b, 'theirs');
      await store.insert([mine, theirs], { nearDuplicateThreshold: null });
      expect((await store.get(a, [mine.id, theirs.id, 'no-such-id'])).map((m) => m.id)).toEqual([mine.id]);
      expect(await store.get(b, [mine.id])).toEqual([]);
    });

    it('lists a bank oldest first, page by page, each memory once', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const records = Array.from({ length: 25 }, (_, i) =>
        record(bank, `memory number ${i}`, {
          createdAt: new Date(NOW.getTime() + i * 1000),
          tags: i % 2 ? ['odd'] : [],
          embedding: vector(i),
        }),
      );
      await store.insert(records, { nearDuplicateThreshold: null });
      await store.insert([record(randomBankId(), 'another bank')], { nearDuplicateThreshold: null });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.list(bank, { limit: 10, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((m) => m.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(records.map((r) => r.id));
      const odd = await store.list(bank, { limit: 100, tags: ['odd'] });
      expect(odd.items).toHaveLength(12);
      expect(odd.nextCursor).toBeNull();
      // A cursor list never gave is the caller's mistake: ending the listing there would cut an export short in silence.
      for (const made of ['garbage', 'zz', '12abc!'])
        await expect(store.list(bank, { limit: 10, cursor: made }), made).rejects.toMatchObject({
          code: 'invalid_input',
          details: { field: 'cursor' },
        });
    });

    it('selects by ids, tags, age and all, within the bank', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      const early = record(a, 'early', {
        createdAt: new Date('2024-01-01T00:00:00Z'),
        tags: ['x'],
        embedding: vector(1),
      });
      const late = record(a, 'late', { tags: ['y'], embedding: vector(2) });
      const foreign = record(b, 'foreign', { tags: ['x'] });
      await store.insert([early, late, foreign], { nearDuplicateThreshold: null });
      const ids = async (selector: Parameters<MemoryStore['select']>[1]) =>
        (await store.select(a, selector)).map((m) => m.id).sort();
      expect(await ids({ ids: [early.id, foreign.id] })).toEqual([early.id]);
      expect(await ids({ tags: ['x'] })).toEqual([early.id]);
      expect(await ids({ before: new Date('2025-01-01T00:00:00Z') })).toEqual([early.id]);
      expect(await ids({ all: true })).toEqual([early.id, late.id].sort());
    });

    it('compares instants exactly whatever the time zone of the process, before 1900 too', async () => {
      // Zones kept local mean time until about 1900, offsets with seconds (Berlin +0:53:28) that Date's
      // getTimezoneOffset cuts to minutes: a date sent in local time would name an instant half a minute away.
      const zone = process.env.TZ;
      process.env.TZ = 'Europe/Berlin';
      try {
        const store = await fresh();
        const bank = randomBankId();
        const day = new Date('1885-06-01T00:00:00Z');
        const old = record(bank, 'grandfather was born', { createdAt: day, occurredAt: day, embedding: vector(4) });
        await store.insert([old], { nearDuplicateThreshold: null });
        const range = { ...FILTER, from: day, to: day };
        expect((await store.vectorSearch([bank], vector(4), 5, range)).map((h) => h.id)).toEqual([old.id]);
        expect((await store.keywordSearch([bank], ['born'], 5, range)).map((h) => h.id)).toEqual([old.id]);
        const after = new Date(day.getTime() + 1);
        expect((await store.keywordSearch([bank], ['born'], 5, { ...FILTER, from: after })).length).toBe(0);
        expect((await store.select(bank, { before: day })).length).toBe(0);
        expect((await store.select(bank, { before: after })).map((m) => m.id)).toEqual([old.id]);
      } finally {
        if (zone === undefined) delete process.env.TZ;
        else process.env.TZ = zone;
      }
    });

    it('erases everywhere, leaves a content-free tombstone, and ignores other banks', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      const target = record(a, 'zebra crossing secret plan', { embedding: vector(3) });
      const foreign = record(b, 'zebra crossing in bank b', { embedding: vector(3) });
      await store.insert([target, foreign], { nearDuplicateThreshold: null });
      expect(await store.erase(a, [foreign.id], { action: 'forget', at: NOW })).toEqual([]);
      expect(await store.get(b, [foreign.id])).toHaveLength(1);
      expect(
        await store.erase(a, [target.id], { action: 'forget', at: NOW, actor: 'dpo', reason: 'user request' }),
      ).toEqual([target.id]);
      expect(await store.get(a, [target.id])).toEqual([]);
      expect(await store.vectorSearch([a], vector(3), 10, FILTER)).toEqual([]);
      expect(await store.keywordSearch([a], ['zebra'], 10, FILTER)).toEqual([]);
      expect(await store.findByHash(a, target.contentHash)).toBeNull();
      const history = await store.history(a, target.id);
      expect(history.map((v) => v.action)).toEqual(['create', 'forget']);
      expect(history.every((v) => v.text === null)).toBe(true);
      expect(history[1]).toMatchObject({ actor: 'dpo', reason: 'user request', version: 2 });
      // The same content may be stored again after erasure.
      const again = record(a, 'zebra crossing secret plan');
      expect(await store.insert([again], { nearDuplicateThreshold: null })).toEqual([
        { status: 'stored', id: again.id },
      ]);
    });

    it('supersedes: the old memory leaves search but keeps its history, until the new one is erased', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const old = record(bank, 'Ada lives in Paris', { embedding: vector(4) });
      await store.insert([old], { nearDuplicateThreshold: null });
      // Nearly the same vector as the old one: a correction must not count as a duplicate of what it replaces.
      const replacement = record(bank, 'Ada lives in Berlin', { embedding: vector(4, 0.1), supersedes: old.id });
      expect(await store.insert([replacement], { nearDuplicateThreshold: 0.9 })).toEqual([
        { status: 'stored', id: replacement.id },
      ]);
      expect(await store.get(bank, [old.id])).toEqual([]);
      expect((await store.vectorSearch([bank], vector(4), 10, FILTER)).map((h) => h.id)).toEqual([replacement.id]);
      const oldHistory = await store.history(bank, old.id);
      expect(oldHistory.map((v) => v.action)).toEqual(['create', 'supersede']);
      expect(oldHistory[0]?.text).toBe('Ada lives in Paris');
      expect(oldHistory[1]?.relatedId).toBe(replacement.id);
      await store.erase(bank, [replacement.id], { action: 'forget', at: NOW });
      expect((await store.history(bank, old.id)).every((v) => v.text === null)).toBe(true);
    });

    it('reports expired memories across banks', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      const gone = record(a, 'gone', { expiresAt: new Date(NOW.getTime() - 1) });
      const goneToo = record(b, 'gone too', { expiresAt: NOW });
      const stays = record(a, 'stays', { expiresAt: new Date(NOW.getTime() + 60_000), embedding: vector(5) });
      await store.insert([gone, goneToo, stays], { nearDuplicateThreshold: null });
      const expired = await store.expired(NOW, 100);
      const mine = expired.filter((e) => e.bankId === a || e.bankId === b);
      expect(mine.map((e) => e.id).sort()).toEqual([gone.id, goneToo.id].sort());
    });

    it('reports only the expired memories created at or before a floor, when given one', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const floor = new Date(NOW.getTime() - 86_400_000);
      const at = (ms: number) => ({ createdAt: new Date(floor.getTime() + ms), expiresAt: NOW });
      const before = record(bank, 'created before the floor', { ...at(-1), embedding: vector(1) });
      const on = record(bank, 'created at the floor', { ...at(0), embedding: vector(2) });
      const after = record(bank, 'created after the floor', { ...at(1), embedding: vector(3) });
      await store.insert([before, on, after], { nearDuplicateThreshold: null });
      const mine = async (options?: { createdAtOrBefore: Date }) =>
        (await store.expired(NOW, 1000, options))
          .filter((e) => e.bankId === bank)
          .map((e) => e.id)
          .sort();
      expect(await mine({ createdAtOrBefore: floor })).toEqual([before.id, on.id].sort());
      expect(await mine()).toEqual([before.id, on.id, after.id].sort());
    });

    it('removes the expiry of a memory a duplicate places a legal hold on, moves it later for a later one, and only then', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const soon = new Date(NOW.getTime() + 60_000);
      const later = { now: new Date(NOW.getTime() + 120_000) };
      const tomorrow = new Date(NOW.getTime() + 86_400_000);
      const options = { nearDuplicateThreshold: 0.95, holdTags: ['legal-hold'] };
      const exact = record(bank, 'the contract was signed in May', { expiresAt: soon, embedding: vector(1) });
      const near = record(bank, 'the lease ends in June', { expiresAt: soon, embedding: vector(2) });
      const plain = record(bank, 'the office moved to Lyon', { expiresAt: soon, embedding: vector(3) });
      const batched = record(bank, 'the audit starts in July', { expiresAt: soon, embedding: vector(4) });
      const kept = record(bank, 'the team cat is named Tom', { expiresAt: soon, embedding: vector(5) });
      const fence = record(bank, 'the fence is painted green', { expiresAt: soon, embedding: vector(6) });
      // The near-duplicate check loads a bank's index first: a store that keeps one must update it too.
      await store.insert([exact, near, plain, kept, fence], options);
      const outcomes = await store.insert(
        [
          record(bank, 'the contract was signed in May', { tags: ['legal-hold'], embedding: vector(1) }),
          record(bank, 'The lease ends in June!', { tags: ['legal-hold'], embedding: vector(2, 0.05) }),
          record(bank, 'the office moved to Lyon', { tags: ['moves'], expiresAt: soon, embedding: vector(3) }),
          batched,
          record(bank, 'the audit starts in July', { tags: ['legal-hold'], embedding: vector(4) }),
          // A later expiry moves it; none changes nothing, and the outcome says when the memory expires.
          record(bank, 'the team cat is named Tom', { expiresAt: tomorrow, embedding: vector(5) }),
          record(bank, 'the fence is painted green', { embedding: vector(6) }),
        ],
        options,
      );
      expect(outcomes.map((o) => (o.status === 'duplicate' ? [o.addedTags, o.expiresAt] : o.status))).toEqual([
        [['legal-hold'], undefined],
        [['legal-hold'], undefined],
        [['moves'], undefined],
        'stored',
        [['legal-hold'], undefined],
        [[], undefined],
        [[], soon],
      ]);
      const held = [exact.id, near.id, batched.id];
      const stored = await store.get(bank, [...held, plain.id, kept.id, fence.id]);
      expect(Object.fromEntries(stored.map((m) => [m.id, m.expiresAt ?? null]))).toEqual({
        [exact.id]: null,
        [near.id]: null,
        [batched.id]: null,
        [plain.id]: soon,
        [kept.id]: tomorrow,
        [fence.id]: soon,
      });
      // Past the old expiry the held memories are still found, and only the other one has expired.
      const expired = (await store.expired(later.now, 100)).filter((e) => e.bankId === bank).map((e) => e.id);
      expect(expired.sort()).toEqual([plain.id, fence.id].sort());
      for (const [axis, id] of [
        [1, exact.id],
        [2, near.id],
        [4, batched.id],
        [5, kept.id],
      ] as const)
        expect((await store.vectorSearch([bank], vector(axis), 1, later))[0]?.id).toBe(id);
      expect((await store.keywordSearch([bank], ['contract'], 5, later)).map((h) => h.id)).toEqual([exact.id]);
      expect(await store.keywordSearch([bank], ['office'], 5, later)).toEqual([]);
    });

    it('refuses a duplicate whose new tags would take its memory past maxTags, and its whole batch stores nothing', async () => {
      const store = await fresh();
      const bank = randomBankId();
      const options = { nearDuplicateThreshold: null, maxTags: 3, holdTags: ['legal-hold'] };
      const held = record(bank, 'invoice 4471 was disputed', {
        tags: ['a', 'b'],
        expiresAt: new Date(NOW.getTime() + 60_000),
      });
      await store.insert([held], options);
      const refused = store.insert(
        [
          record(bank, 'the audit starts in July'),
          record(bank, 'invoice 4471 was disputed', { tags: ['b', 'legal-hold', 'extra'] }),
        ],
        options,
      );
      await expect(refused).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field: 'tags', duplicateOf: held.id },
      });
      await expect(refused).rejects.toThrow(
        /holds 2 tags and these would add 2 \(legal-hold, extra\); a memory holds at most 3/,
      );
      const [stored] = await store.get(bank, [held.id]);
      expect({ tags: stored?.tags, expiresAt: stored?.expiresAt }).toEqual({
        tags: ['a', 'b'],
        expiresAt: held.expiresAt,
      });
      expect((await store.list(bank, { limit: 10 })).items.map((m) => m.id)).toEqual([held.id]);
      // What fits is still merged.
      const merged = await store.insert([record(bank, 'invoice 4471 was disputed', { tags: ['legal-hold'] })], options);
      expect(merged[0]).toMatchObject({ status: 'duplicate', addedTags: ['legal-hold'] });
    });

    it('counts memories per bank', async () => {
      const store = await fresh();
      const [a, b] = [randomBankId(), randomBankId()];
      await store.insert(
        [record(a, 'one', { embedding: vector(1) }), record(a, 'two', { embedding: vector(2) }), record(b, 'three')],
        { nearDuplicateThreshold: null },
      );
      const banks = await store.banks();
      expect(banks.find((x) => x.bankId === a)).toEqual({ bankId: a, memoryCount: 2 });
      expect(banks.find((x) => x.bankId === b)).toEqual({ bankId: b, memoryCount: 1 });
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('keeps memories, versions and the embedder across a reopen', async () => {
        const store = await fresh();
        const bank = randomBankId();
        const kept = record(bank, 'persisted fact');
        await store.insert([kept], { nearDuplicateThreshold: null });
        await store.close();
        open.splice(open.indexOf(store), 1);
        const again = await reopen(store);
        open.push(again);
        await expect(again.ensureEmbedder({ name: 'other', dimensions: DIMENSIONS })).rejects.toMatchObject({
          code: 'embedder_mismatch',
        });
        await again.ensureEmbedder(EMBEDDER);
        expect((await again.get(bank, [kept.id]))[0]?.text).toBe('persisted fact');
        expect(await again.history(bank, kept.id)).toHaveLength(1);
      });
    }
  });
}
