import { describe, expect, it } from 'vitest';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness, expectFieldErrors, manualClock } from './harness.js';

/** Retain, dedup, validation, recall and its filters, through the Brain. */
export function describeRetainAndRecall(factory: StoreFactory): void {
  describe('retain and recall', () => {
    const makeBrain = brainHarness(factory);

    it('recalls what was retained, best match first, with every hit field', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const stored = await brain.retain('I prefer dark mode in every editor', {
        bankId,
        tags: ['preference', 'ui'],
        metadata: { source: 'chat' },
      });
      expect(stored).toMatchObject({ stored: true, deduplicated: false });
      await brain.retain('My flight to Lisbon leaves on Tuesday', { bankId });
      await brain.retain('The project deadline moved to March', { bankId });
      const { hits, totalAvailable } = await brain.recall('which mode do I prefer in the editor?', { bankId });
      expect(totalAvailable).toBeGreaterThanOrEqual(1);
      expect(hits[0]).toMatchObject({
        memoryId: stored.memoryId,
        bankId,
        text: 'I prefer dark mode in every editor',
        tags: ['preference', 'ui'],
        metadata: { source: 'chat' },
      });
      expect(hits[0]?.createdAt).toBeInstanceOf(Date);
      for (const hit of hits) expect(hit.score).toBeGreaterThan(0);
      for (const hit of hits) expect(hit.score).toBeLessThanOrEqual(1);
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    });

    it('never returns a memory of bank A to a recall in bank B', async () => {
      const brain = await makeBrain();
      const [a, b] = [randomBankId('a'), randomBankId('b')];
      await brain.retain('Alice is allergic to peanuts', { bankId: a });
      await brain.retain('Bob likes hiking', { bankId: b });
      const { hits } = await brain.recall('Alice peanuts allergy', { bankId: b });
      expect(hits.every((h) => h.bankId === b)).toBe(true);
      expect(hits.map((h) => h.text)).not.toContain('Alice is allergic to peanuts');
      const both = await brain.recall('Alice peanuts allergy', { bankIds: [a, b] });
      expect(both.hits[0]?.text).toBe('Alice is allergic to peanuts');
    });

    it('stores the same content once and says it is a duplicate', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const first = await brain.retain('The wifi password is on the fridge', { bankId });
      const second = await brain.retain('  The wifi  password is on\nthe fridge ', { bankId });
      expect(second).toMatchObject({
        stored: false,
        deduplicated: true,
        duplicateOf: first.memoryId,
        memoryId: first.memoryId,
      });
      expect((await brain.list(bankId)).items).toHaveLength(1);
    });

    it('treats near-duplicates by the configured threshold and action', async () => {
      const skip = await makeBrain({ dedup: { nearThreshold: 0.9 } });
      const bankId = randomBankId();
      const first = await skip.retain('Maria likes strong black coffee every morning', { bankId });
      const near = await skip.retain('Maria likes strong black coffee every morning!!', { bankId });
      expect(near).toMatchObject({ deduplicated: true, duplicateOf: first.memoryId });
      const keep = await makeBrain({ dedup: { nearThreshold: 0.9, action: 'keep' } });
      await keep.retain('Maria likes strong black coffee every morning', { bankId });
      expect(await keep.retain('Maria likes strong black coffee, every morning', { bankId })).toMatchObject({
        stored: true,
      });
    });

    it('stores facts that differ only in vowel signs apart: a Hindi son is not a daughter', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('मेरा बेटा डॉक्टर है', { bankId });
      expect(await brain.retain('मेरी बेटी डॉक्टर है', { bankId })).toMatchObject({ stored: true, deduplicated: false });
      expect((await brain.list(bankId)).items).toHaveLength(2);
    });

    it('retains a batch in one call, reporting each item', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const results = await brain.retainMany(
        [
          { content: 'Standup is at 9:30', tags: ['schedule'] },
          { content: 'Retro is every other Friday', occurredAt: '2026-01-05T10:00:00Z' },
          { content: 'Standup is at 9:30' },
        ],
        { bankId },
      );
      expect(results.map((r) => r.stored)).toEqual([true, true, false]);
      expect(results[2]).toMatchObject({ deduplicated: true, duplicateOf: results[0]?.memoryId });
      const { items } = await brain.list(bankId);
      expect(items.map((m) => m.text).sort()).toEqual(['Retro is every other Friday', 'Standup is at 9:30']);
      expect(items.find((m) => m.text.startsWith('Retro'))?.occurredAt).toEqual(new Date('2026-01-05T10:00:00Z'));
    });

    it('rejects bad input with a typed error naming the field, storing nothing', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const cases: [() => Promise<unknown>, string][] = [
        [() => brain.retain('', { bankId }), 'content'],
        [() => brain.retain('   ', { bankId }), 'content'],
        [() => brain.retain(42 as unknown as string, { bankId }), 'content'],
        [() => brain.retain('x'.repeat(brain.limits.maxContentLength + 1), { bankId }), 'content'],
        [() => brain.retain('ok', { bankId: 'bad bank!' }), 'bankId'],
        [() => brain.retain('ok', { bankId: '' }), 'bankId'],
        [() => brain.retain('ok', { bankId, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }), 'tags'],
        [() => brain.retain('ok', { bankId, tags: ['x'.repeat(65)] }), 'tags[0]'],
        [() => brain.retain('ok', { bankId, tags: 'a,b' as unknown as string[] }), 'tags'],
        [() => brain.retain('ok', { bankId, metadata: { blob: 'x'.repeat(17_000) } }), 'metadata'],
        [() => brain.retain('ok', { bankId, metadata: [] as unknown as Record<string, never> }), 'metadata'],
        [() => brain.retain('ok', { bankId, occurredAt: 'not a date' }), 'occurredAt'],
        [() => brain.retainMany([{ content: 'fine' }, { content: '' }], { bankId }), 'items[1].content'],
        [() => brain.recall('', { bankId }), 'query'],
        [() => brain.recall('q', { bankId, maxResults: 0 }), 'maxResults'],
        [() => brain.recall('q', { bankId, maxResults: 101 }), 'maxResults'],
        [() => brain.recall('q', { bankId, maxResults: 2.5 }), 'maxResults'],
        [() => brain.recall('q', { bankIds: [] }), 'bankIds'],
        [() => brain.recall('q', {}), 'bankId'],
        [() => brain.forget(bankId, {}), 'options'],
        [() => brain.forget(bankId, { memoryIds: [7 as unknown as string] }), 'memoryIds[0]'],
      ];
      await expectFieldErrors(cases);
      expect((await brain.list(bankId)).items).toEqual([]);
      expect(await brain.retainMany([{ content: 'fine' }], { bankId })).toHaveLength(1);
    });

    it('with feedback on, finds what the best hits share words with, though the query shares none', async () => {
      const bankId = randomBankId();
      const texts = [
        'Alice walks her dog Rex along the harbour every morning',
        'Alice bought Rex a new collar for the harbour walks',
        'Rex sleeps in the garden shed at night',
        'The office printer jams on Mondays',
      ];
      const plain = await makeBrain({ recall: { vectorWeight: 0 } });
      await plain.retainMany(
        texts.map((content) => ({ content })),
        { bankId },
      );
      const without = await plain.recall('Alice dog', { bankId, maxResults: 5 });
      expect(without.hits.map((h) => h.text)).not.toContain(texts[2]);
      const feedback = await makeBrain({ recall: { vectorWeight: 0, feedbackTerms: 5 } });
      await feedback.retainMany(
        texts.map((content) => ({ content })),
        { bankId },
      );
      const found = await feedback.recall('Alice dog', { bankId, maxResults: 5 });
      expect(
        found.hits
          .map((h) => h.text)
          .slice(0, 2)
          .sort(),
      ).toEqual([texts[0], texts[1]].sort());
      expect(found.hits.map((h) => h.text)).toContain(texts[2]);
      expect(found.hits.map((h) => h.text)).not.toContain(texts[3]);
    });

    it('ranks a memory that repeats a better hit after other memories the query matched', async () => {
      const bankId = randomBankId();
      const repeats = [
        'Water the garden tomatoes every evening',
        'Well, water the garden tomatoes every evening!',
        'Water the garden tomatoes every evening, talk soon',
        'So, water the garden tomatoes every evening',
      ];
      const other = 'The garden tomatoes were picked on Sunday';
      const filler = ['The office printer jams on Mondays', 'Bob plays chess on Fridays', 'The car needs new tyres'];
      const contents = [...repeats, other, ...filler].map((content) => ({ content }));
      const plain = await makeBrain({ dedup: { action: 'keep' }, recall: { repeatFactor: 1 } });
      await plain.retainMany(contents, { bankId });
      const withRepeats = await plain.recall('garden tomatoes water', { bankId, maxResults: 4 });
      expect(withRepeats.hits.map((h) => h.text).sort()).toEqual([...repeats].sort());

      const brain = await makeBrain({ dedup: { action: 'keep' } });
      await brain.retainMany(contents, { bankId: `${bankId}-d` });
      const found = await brain.recall('garden tomatoes water', { bankId: `${bankId}-d`, maxResults: 4 });
      expect(found.hits.slice(0, 2).map((h) => h.text)).toContain(other);
      expect(repeats).toContain(found.hits[0]?.text);
      // Demoted, not dropped: the repeats still fill the rest, below what they repeat.
      expect(found.hits).toHaveLength(4);
      expect(found.totalAvailable).toBe(withRepeats.totalAvailable);
    });

    it('finds what a long question names after its first 32 words', async () => {
      const brain = await makeBrain({ dedup: { action: 'keep' } });
      const bankId = randomBankId();
      // Forty words the question opens with, two to a note: each note matches the question a little, and each of
      // those words is as rare as the ones the question ends with.
      const opening = Array.from({ length: 40 }, (_, i) => `word${String.fromCharCode(97 + (i % 26), 97 + (i >> 3))}q`);
      await brain.retainMany(
        Array.from({ length: 20 }, (_, i) => ({ content: `A note on ${opening[i]} and ${opening[i + 20]}` })),
        { bankId },
      );
      const target = 'The staging database moved to Frankfurt on Tuesday';
      await brain.retain(target, { bankId });
      // A pasted paragraph whose subject comes last: the words past the 32nd used to be left out of the search.
      const question = `${opening.join(' ')} where did the staging database move on Tuesday, to Frankfurt?`;
      const { hits } = await brain.recall(question, { bankId, maxResults: 3 });
      expect(hits[0]?.text).toBe(target);
    });

    it('caps results at maxResults and reports how many matched', async () => {
      const brain = await makeBrain({ dedup: { action: 'keep' } });
      const bankId = randomBankId();
      await brain.retainMany(
        Array.from({ length: 30 }, (_, i) => ({ content: `Note ${i} about the garden: plant ${i} needs water` })),
        { bankId },
      );
      const capped = await brain.recall('garden plant water', { bankId, maxResults: 7 });
      expect(capped.hits).toHaveLength(7);
      expect(capped.totalAvailable).toBeGreaterThanOrEqual(30);
      expect((await brain.recall('garden plant water', { bankId })).hits).toHaveLength(10);
      expect((await brain.recall('garden plant water', { bankId, maxResults: 100 })).hits).toHaveLength(30);
    });

    it('filters recall by tags, path prefix and time range', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('Launch plan for the rocket', { bankId, tags: ['work'], path: 'projects/apollo' });
      await brain.retain('Rocket salad recipe', { bankId, tags: ['food'], path: 'recipes' });
      await brain.retain('Old rocket notes', {
        bankId,
        occurredAt: '2019-05-01T00:00:00Z',
        path: 'projects/apollonia',
      });
      await brain.retain('A rocket flew that evening', { bankId, occurredAt: '2019-05-02T21:00:00Z' });
      const texts = async (options: object) =>
        (await brain.recall('rocket', { bankId, ...options })).hits.map((h) => h.text).sort();
      expect(await texts({ tags: ['food', 'none'] })).toEqual(['Rocket salad recipe']);
      expect(await texts({ pathPrefix: 'projects/apollo' })).toEqual(['Launch plan for the rocket']);
      expect(await texts({ timeRange: { to: '2019-05-02T00:00:00Z' } })).toEqual(['Old rocket notes']);
      expect(await texts({ timeRange: { from: new Date('2020-01-01T00:00:00Z') } })).toHaveLength(2);
      // A day without a time as the end takes in the whole day (UTC, as a date alone is read).
      expect(await texts({ timeRange: { to: '2019-05-02' } })).toEqual([
        'A rocket flew that evening',
        'Old rocket notes',
      ]);
      expect(await texts({ timeRange: { from: '2019-05-02', to: '2019-05-02' } })).toEqual([
        'A rocket flew that evening',
      ]);
    });

    it('hides expired memories from recall', async () => {
      const clock = manualClock();
      const brain = await makeBrain({ now: clock.now });
      const bankId = randomBankId();
      await brain.retain('Temporary door code 4411', { bankId, expiresAt: new Date(clock.now().getTime() + 60_000) });
      expect((await brain.recall('door code', { bankId })).hits).toHaveLength(1);
      clock.advance(60_001);
      expect((await brain.recall('door code', { bankId })).hits).toHaveLength(0);
    });

    it('applies minScore and the recency factor', async () => {
      const clock = manualClock();
      const brain = await makeBrain({ now: clock.now, recall: { recencyHalfLifeDays: 7 } });
      const bankId = randomBankId();
      await brain.retain('Team lunch at the ramen place', { bankId, occurredAt: '2025-01-01T00:00:00Z' });
      await brain.retain('Team lunch at the taco place', { bankId });
      const { hits } = await brain.recall('team lunch place', { bankId });
      expect(hits[0]?.text).toBe('Team lunch at the taco place');
      const strict = await brain.recall('team lunch place', { bankId, minScore: 0.99 });
      expect(strict.hits.every((h) => h.score >= 0.99)).toBe(true);
    });

    it('scores how well a hit matches, so that minScore drops memories unrelated to the query', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('I am allergic to peanuts.', { bankId });
      await brain.retain('My sister lives in Lisbon.', { bankId });
      // The nearest memory of a query that shares nothing with memory is still returned, but scores near 0.
      const unrelated = await brain.recall('What is quantum chromodynamics?', { bankId });
      expect(unrelated.hits.length).toBeGreaterThan(0);
      expect(Math.max(...unrelated.hits.map((h) => h.score))).toBeLessThan(0.2);
      expect((await brain.recall('What is quantum chromodynamics?', { bankId, minScore: 0.5 })).hits).toEqual([]);
      // Every word of the query in the memory (stemmed: "live" and "lives") scores 1; one word of two, less.
      const full = await brain.recall('Where does my sister live?', { bankId, minScore: 0.5 });
      expect(full.hits.map((h) => [h.text, h.score])).toEqual([['My sister lives in Lisbon.', 1]]);
      const half = (await brain.recall('sister Paris', { bankId })).hits[0];
      expect(half?.text).toBe('My sister lives in Lisbon.');
      expect(half?.score).toBeGreaterThanOrEqual(0.5);
      expect(half?.score).toBeLessThan(1);
    });

    it('scores a memory holding the query words as a match whatever their marks or dotted I', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      for (const text of [
        'Our office in İzmir opens on Monday',
        'Our office in Bursa is closed',
        'मुझे चाय पसंद है',
        'Lunch with Anna at noon',
      ])
        await brain.retain(text, { bankId });
      for (const [query, text] of [
        ['izmir office', 'Our office in İzmir opens on Monday'],
        ['İzmir', 'Our office in İzmir opens on Monday'],
        ['चाय', 'मुझे चाय पसंद है'],
      ]) {
        const { hits } = await brain.recall(query as string, { bankId });
        expect([query, hits[0]?.text, hits[0]?.score]).toEqual([query, text, 1]);
      }
    });

    it('scores a memory holding a query word written without its accents as a match', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      for (const text of ['We met at Café Central', 'Lunch with Anna at noon', 'The weather was nice today'])
        await brain.retain(text, { bankId });
      for (const query of ['cafe', 'cafe central']) {
        const { hits } = await brain.recall(query, { bankId, minScore: 0.5 });
        expect(hits.map((h) => [h.text, h.score])).toEqual([['We met at Café Central', 1]]);
      }
    });

    it('takes a speaker named without the accents of the name for the speaker', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retainConversation(
        [
          { speaker: 'Sam', text: 'The budget is too tight' },
          { speaker: 'José', text: 'The budget is fine' },
        ],
        { bankId, sessionId: 's1' },
      );
      // On Postgres too, whose keyword search does not fold accents: the speaker boost and the score do.
      const { hits } = await brain.recall('what did Jose say about the budget', { bankId });
      expect(hits.map((h) => [h.text, h.score])).toEqual([
        ['The budget is fine', 0.6667],
        ['The budget is too tight', expect.any(Number)],
      ]);
    });

    it('scores 0 what has no words to match: a query of emoji or punctuation, a memory of them', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('🎉🎉', { bankId, tags: ['x'] });
      await brain.retain('The meeting is on Tuesday', { bankId, tags: ['x'] });
      for (const [query, tags] of [
        ['!!!', undefined],
        ['🎉', undefined],
        ['🎉', ['x']],
        ['coffee', ['x']],
      ] as const) {
        const { hits } = await brain.recall(query, { bankId, ...(tags ? { tags: [...tags] } : {}) });
        expect(hits.map((h) => h.score)).toEqual([0, 0]);
      }
      expect((await brain.recall('!!!', { bankId, minScore: 0.5 })).hits).toEqual([]);
    });
  });
}
