import { expect, it } from 'vitest';
import type { MemoryRecord, MemoryStore, SearchFilter } from '../memory-store.js';
import { randomBankId } from './store-factory.js';

/** Builds a record of the suite's dimension; the suite's own `record`. */
type RecordMaker = (bankId: string, text: string, overrides?: Partial<MemoryRecord>) => MemoryRecord;

/**
 * The SPI's episodes, documents and duplicate tags, as every store must keep them: positions in order across
 * calls, neighbours' text in the keyword index and out of it once forgotten, chunks selected by document.
 */
export function describeEpisodeConformance(
  fresh: () => Promise<MemoryStore>,
  record: RecordMaker,
  filter: SearchFilter,
): void {
  const turn = (bankId: string, text: string, speaker: string, episodeId = 'session-1') =>
    record(bankId, text, { speaker, episodeId });
  const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

  it('appends turns to an episode in order across calls, with their speaker', async () => {
    const store = await fresh();
    const bank = randomBankId();
    const first = [turn(bank, 'Where should we go hiking?', 'Ann'), turn(bank, 'The Dolomites in June.', 'Ben')];
    const later = [turn(bank, 'Book the huts early.', 'Ann'), turn(bank, 'Other talk', 'Ann', 'session-2')];
    await store.insert(first, { nearDuplicateThreshold: null });
    await store.insert(later, { nearDuplicateThreshold: null });
    const got = await store.get(
      bank,
      [...first, ...later].map((r) => r.id),
    );
    expect(got.map((m) => [m.speaker, m.episode])).toEqual([
      ['Ann', { id: 'session-1', position: 0 }],
      ['Ben', { id: 'session-1', position: 1 }],
      ['Ann', { id: 'session-1', position: 2 }],
      ['Ann', { id: 'session-2', position: 0 }],
    ]);
  });

  it("finds a turn by its speaker, its date in words and its neighbours' text, its own text first", async () => {
    const store = await fresh();
    const bank = randomBankId();
    const question = turn(bank, 'Which mountains did you pick for the trip?', 'Ann');
    const answer = turn(bank, 'The Dolomites, in June.', 'Ben');
    const unrelated = record(bank, 'Mountains of paperwork today', { occurredAt: new Date('2023-05-08T10:00:00Z') });
    await store.insert([question, answer, unrelated], { nearDuplicateThreshold: null });
    // The answer never says "trip"; its question does.
    expect(ids(await store.keywordSearch([bank], ['trip'], 10, filter))).toEqual([question.id, answer.id]);
    expect(ids(await store.keywordSearch([bank], ['ben'], 10, filter))).toEqual([answer.id]);
    expect(ids(await store.keywordSearch([bank], ['may', '2023'], 10, filter))).toEqual([unrelated.id]);
    expect(ids(await store.keywordSearch([bank], ['mountains'], 10, filter))[0]).not.toBe(answer.id);
  });

  it("takes a later turn's text into its predecessor's entry, and a forgotten turn's text out of its neighbours'", async () => {
    const store = await fresh();
    const bank = randomBankId();
    const [a, b, c] = [
      turn(bank, 'First I mention nothing special.', 'Ann'),
      turn(bank, 'Then the codeword zanzibarquokka.', 'Ben'),
      turn(bank, 'And I reply plainly.', 'Ann'),
    ];
    await store.insert([a, b], { nearDuplicateThreshold: null });
    await store.insert([c], { nearDuplicateThreshold: null });
    expect(new Set(ids(await store.keywordSearch([bank], ['zanzibarquokka'], 10, filter)))).toEqual(
      new Set([a.id, b.id, c.id]),
    );
    expect(ids(await store.keywordSearch([bank], ['plainly'], 10, filter))).toEqual([c.id, b.id]);
    await store.erase(bank, [b.id], { action: 'forget', at: new Date() });
    expect(await store.keywordSearch([bank], ['zanzibarquokka'], 10, filter)).toEqual([]);
    // Its neighbours are neighbours now.
    expect(ids(await store.keywordSearch([bank], ['plainly'], 10, filter))).toEqual([c.id, a.id]);
  });

  it("indexes each turn of a long call of two interleaved sessions with its own session's neighbours", async () => {
    const store = await fresh();
    const bank = randomBankId();
    // More turns than a store may index at once, so that sessions cross its batches.
    const count = 150;
    const word = (session: string, i: number) => `tok${session}${i}`;
    const turns = Array.from({ length: count }, (_, i) =>
      ['a', 'b'].map((session) => turn(bank, `Said ${word(session, i)} here.`, 'Ann', `session-${session}`)),
    ).flat();
    await store.insert(turns, { nearDuplicateThreshold: null });
    const later = turn(bank, `Said ${word('a', count)} here.`, 'Ben', 'session-a');
    await store.insert([later], { nearDuplicateThreshold: null });
    const sessionA = [...turns.filter((_, j) => j % 2 === 0), later];
    for (const i of [0, 1, 63, 64, 127, 128, 129, count - 1, count]) {
      const expected = sessionA.slice(Math.max(0, i - 1), i + 2).map((t) => t.id);
      expect(new Set(ids(await store.keywordSearch([bank], [word('a', i)], 10, filter)))).toEqual(new Set(expected));
    }
    const sessionB = turns.filter((_, j) => j % 2 === 1);
    expect(new Set(ids(await store.keywordSearch([bank], [word('b', count - 1)], 10, filter)))).toEqual(
      new Set(sessionB.slice(-2).map((t) => t.id)),
    );
  });

  it('selects every chunk of a document', async () => {
    const store = await fresh();
    const bank = randomBankId();
    const chunks = ['Part one of the manual.', 'Part two of the manual.'].map((text, i) =>
      record(bank, text, { documentId: 'doc-1', episodeId: 'doc-1', ...(i === 0 ? { id: 'doc-1' } : {}) }),
    );
    const other = record(bank, 'Not in the manual.');
    await store.insert([...chunks, other], { nearDuplicateThreshold: null });
    const selected = await store.select(bank, { documentIds: ['doc-1'] });
    expect(selected.map((m) => m.id).sort()).toEqual(chunks.map((c) => c.id).sort());
    expect(selected.every((m) => m.documentId === 'doc-1')).toBe(true);
    expect(await store.select(randomBankId(), { documentIds: ['doc-1'] })).toEqual([]);
  });

  it("adds a duplicate's new tags to the memory it repeats, up to the tag limit", async () => {
    const store = await fresh();
    const bank = randomBankId();
    const first = record(bank, 'Tea, no sugar', { tags: ['drink'] });
    await store.insert([first], { nearDuplicateThreshold: null });
    const again = record(bank, 'Tea, no sugar', {
      tags: ['drink', 'morning', 'kitchen'],
      contentHash: first.contentHash,
    });
    const [outcome] = await store.insert([again], { nearDuplicateThreshold: null, maxTags: 3 });
    expect(outcome).toEqual({
      status: 'duplicate',
      duplicateOf: first.id,
      match: 'exact',
      similarity: 1,
      addedTags: ['morning', 'kitchen'],
    });
    expect((await store.get(bank, [first.id]))[0]?.tags).toEqual(['drink', 'morning', 'kitchen']);
    expect(ids(await store.vectorSearch([bank], first.embedding, 5, { ...filter, tags: ['morning'] }))).toEqual([
      first.id,
    ]);
  });
}
