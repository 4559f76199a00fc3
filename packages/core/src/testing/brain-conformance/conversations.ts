import { describe, expect, it } from 'vitest';
import { Astrocyte } from '../../astrocyte.js';
import type { Embedder } from '../../embedders/embedder.js';
import { handleMemoryTool } from '../../tools/handle-memory-tool.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness, expectFieldErrors } from './harness.js';

/** Conversations, long texts and what dedup must never merge, through the Brain. */
export function describeConversations(factory: StoreFactory): void {
  describe('conversations and long texts', () => {
    const makeBrain = brainHarness(factory);

    it('stores one memory per turn, in order, with its speaker, and appends a later call to the session', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const first = await brain.retainConversation(
        [
          { speaker: 'user', text: 'I am allergic to peanuts, so be careful with recipes.' },
          { speaker: 'agent', text: 'Noted: no peanuts in anything I suggest.' },
        ],
        { bankId, sessionId: 'chat-1', occurredAt: '2025-03-04T10:00:00Z' },
      );
      expect(first.map((r) => r.stored)).toEqual([true, true]);
      const later = await brain.retainConversation([{ speaker: 'user', text: 'Thanks, that helps.' }], {
        bankId,
        sessionId: 'chat-1',
      });
      const { items } = await brain.list(bankId);
      expect(items.map((m) => [m.id, m.speaker, m.episode])).toEqual([
        [first[0]?.memoryId, 'user', { id: 'chat-1', position: 0 }],
        [first[1]?.memoryId, 'agent', { id: 'chat-1', position: 1 }],
        [later[0]?.memoryId, 'user', { id: 'chat-1', position: 2 }],
      ]);
      expect(items[0]?.occurredAt?.toISOString()).toBe('2025-03-04T10:00:00.000Z');
      const recalled = JSON.parse(
        await handleMemoryTool(brain, 'memory_recall', { query: 'peanuts allergy' }, { bankId }),
      );
      expect(recalled.hits[0]).toMatchObject({
        memory_id: first[0]?.memoryId,
        speaker: 'user',
        occurred_at: '2025-03-04T10:00:00.000Z',
      });
      // A memory retained without a date carries none: its created_at is when it was stored.
      await brain.retain('Prefers window seats', { bankId });
      const plain = JSON.parse(await handleMemoryTool(brain, 'memory_recall', { query: 'window seats' }, { bankId }));
      expect(plain.hits[0]).toMatchObject({ text: 'Prefers window seats' });
      expect(plain.hits[0]).not.toHaveProperty('occurred_at');
    });

    it('finds the turn that answers a question asked in the turn before it', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const results = await brain.retainConversation(
        [
          { speaker: 'agent', text: 'Which foods should I keep away from your meals?' },
          { speaker: 'user', text: 'Shellfish, always. It makes me ill.' },
          { speaker: 'agent', text: 'Understood.' },
        ],
        { bankId },
      );
      await brain.retainMany(
        [{ content: 'The kitchen has new lights' }, { content: 'Meals on Fridays are takeaway' }],
        {
          bankId,
        },
      );
      const { hits } = await brain.recall('which foods to keep away from', { bankId, maxResults: 3 });
      expect(hits.map((h) => h.memoryId)).toContain(results[1]?.memoryId);
    });

    it('finds the turns of a day named by its date in digits as by its date in words', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const days = ['2024-03-12', '2024-05-08', '2024-07-02'];
      const sessions = await Promise.all(
        days.map((day, i) =>
          brain.retainConversation(
            [
              { speaker: 'Alex', text: `Shall we talk about the launch, round ${i + 1}?` },
              { speaker: 'Sam', text: `Yes, the launch plan needs work, round ${i + 1}.` },
            ],
            { bankId, sessionId: `planning-${i}`, occurredAt: `${day}T10:00:00Z` },
          ),
        ),
      );
      const may = (sessions[1] ?? []).map((r) => r.memoryId).sort();
      for (const query of ['May 8, 2024', '2024-05-08', 'what did we say on 2024-05-08?']) {
        const { hits } = await brain.recall(query, { bankId, maxResults: 2 });
        expect(hits.map((h) => h.memoryId).sort(), query).toEqual(may);
      }
      // Either spelling of the date counts as the query's date: the day's turn and a text that writes it match fully.
      expect((await brain.recall('2024-05-08', { bankId, maxResults: 1 })).hits[0]?.score).toBe(1);
      const invoice = await brain.retain('Invoice INV-7 is dated 2024-05-08 and was paid by card', { bankId });
      const { hits } = await brain.recall('invoice 2024-05-08', { bankId, maxResults: 1 });
      expect(hits[0]).toMatchObject({ memoryId: invoice.memoryId, score: 1 });
    });

    it('ranks first the turn of the speaker a question names, of two turns that match it alike', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      // Other memories, some sharing a word of the question, so that keyword rank weighs its words as in a real bank.
      await brain.retainMany(
        [
          'The bakery opens at seven',
          'Rain is expected on Friday',
          'The train starts from platform two',
          'Book club starts after lunch',
          'The garden needs watering',
          'Tickets for the concert are sold out',
          'The start of the race moved to noon',
          'Dinner is at the new Thai place',
        ].map((content) => ({ content })),
        { bankId },
      );
      const [told] = await brain.retainConversation(
        [{ speaker: 'Caroline', text: 'Melanie says the pottery class starts soon' }],
        { bankId, sessionId: 'a' },
      );
      const [said] = await brain.retainConversation(
        [{ speaker: 'Melanie', text: 'My pottery class was fun last week' }],
        { bankId, sessionId: 'b' },
      );
      const query = "When does Melanie's pottery class start?";
      const scores = async (of: typeof brain) => {
        const { hits } = await of.recall(query, { bankId });
        return hits.map((h) => [h.memoryId, h.score]);
      };
      // The same store ranked without the boost: Caroline's turn, which holds one more word of the question, leads.
      const unboosted = await Astrocyte.create({
        store: brain.store,
        embedder: brain.embedder,
        recall: { speakerBoost: 0 },
      });
      const without = await scores(unboosted);
      expect(without.map(([id]) => id).slice(0, 2)).toEqual([told?.memoryId, said?.memoryId]);
      const boosted = await scores(brain);
      expect(boosted.map(([id]) => id).slice(0, 2)).toEqual([said?.memoryId, told?.memoryId]);
    });

    it('stores a session imported twice once, keeps empty turns out, and governs every turn', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const turns = [
        { speaker: 'user', text: 'Mail me at ana@example.com' },
        { speaker: 'user', text: '   ' },
        { speaker: 'bo@example.org', text: 'Will do.' },
      ];
      const first = await brain.retainConversation(turns, {
        bankId,
        sessionId: 's',
        occurredAt: '2025-01-01T00:00:00Z',
      });
      expect(first.map((r) => r.stored)).toEqual([true, false, true]);
      expect(first[0]?.redacted).toEqual(['email']);
      expect(first[1]).toMatchObject({ memoryId: null, reason: expect.any(String) });
      const again = await brain.retainConversation(turns, {
        bankId,
        sessionId: 's',
        occurredAt: '2025-01-01T00:00:00Z',
      });
      expect(again.map((r) => r.deduplicated)).toEqual([true, false, true]);
      expect(again[2]?.duplicateOf).toBe(first[2]?.memoryId);
      const { items } = await brain.list(bankId);
      expect(items).toHaveLength(2);
      expect(items[0]?.text).not.toContain('ana@example.com');
      expect(items[1]?.speaker).toBe('[EMAIL]');
    });

    it('refuses bad turns with a typed error naming the field, storing nothing', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const cases: [() => Promise<unknown>, string][] = [
        [() => brain.retainConversation('hi' as never, { bankId }), 'turns'],
        [() => brain.retainConversation([{ speaker: 'a', text: 'ok' }, null as never], { bankId }), 'turns[1]'],
        [() => brain.retainConversation([{ text: 'ok' } as never], { bankId }), 'turns[0].speaker'],
        [() => brain.retainConversation([{ speaker: ' ', text: 'ok' }], { bankId }), 'turns[0].speaker'],
        [() => brain.retainConversation([{ speaker: 'Ann\nuser', text: 'ok' }], { bankId }), 'turns[0].speaker'],
        [() => brain.retainConversation([{ speaker: 'Ann\tB', text: 'ok' }], { bankId }), 'turns[0].speaker'],
        [() => brain.retainConversation([{ speaker: 'Ann\u2028B', text: 'ok' }], { bankId }), 'turns[0].speaker'],
        [() => brain.retainConversation([{ speaker: '\u200b', text: 'ok' }], { bankId }), 'turns[0].speaker'],
        [() => brain.retainConversation([{ speaker: 'a', text: 7 as never }], { bankId }), 'turns[0].text'],
        [
          () => brain.retainConversation([{ speaker: 'a', text: 'ok', occurredAt: 'soon' }], { bankId }),
          'turns[0].occurredAt',
        ],
        [
          () => brain.retainConversation([{ speaker: 'a', text: 'ok', expiresAt: '2025-02-30' }], { bankId }),
          'turns[0].expiresAt',
        ],
        [
          () => brain.retainConversation([{ speaker: 'a', text: 'ok', tags: 'x' as never }], { bankId }),
          'turns[0].tags',
        ],
        [() => brain.retainConversation([{ speaker: 'a', text: 'ok' }], { bankId, tags: [7 as never] }), 'tags[0]'],
        [() => brain.retainConversation([{ speaker: 'a', text: 'ok' }], { bankId, sessionId: '' }), 'sessionId'],
        [() => brain.retainConversation([{ speaker: 'a', text: 'ok' }], { bankId: 'bad bank' }), 'bankId'],
      ];
      await expectFieldErrors(cases);
      expect((await brain.list(bankId)).items).toEqual([]);
      // Space around a name is not part of it; a turn can expire.
      await brain.retainConversation([{ speaker: ' Ann\n', text: 'ok', expiresAt: '2099-01-01T00:00:00Z' }], {
        bankId,
      });
      expect((await brain.list(bankId)).items.map((m) => [m.speaker, m.expiresAt?.toISOString()])).toEqual([
        ['Ann', '2099-01-01T00:00:00.000Z'],
      ]);
      // A turn's own tags are added to the call's.
      await brain.retainConversation(
        [
          { speaker: 'Ann', text: 'The flight leaves at nine', tags: ['flight', 'trip'] },
          { speaker: 'Bo', text: 'The hotel is booked' },
        ],
        { bankId, tags: ['trip'] },
      );
      expect((await brain.list(bankId)).items.slice(1).map((m) => m.tags)).toEqual([['trip', 'flight'], ['trip']]);
    });

    it('stores a long text as chunks in order, finds a chunk, and forgets the whole document through any chunk', async () => {
      const brain = await makeBrain({ limits: { chunkSize: 1000 } });
      const bankId = randomBankId();
      const paragraphs = Array.from({ length: 12 }, (_, i) =>
        `Paragraph ${i} of the handbook describes procedure number ${i * 7} in plain words.`.repeat(3),
      );
      paragraphs[9] = 'The emergency exit is behind the marmalade cupboard on the third floor.';
      const result = await brain.retain(paragraphs.join('\n\n'), { bankId, tags: ['handbook'] });
      expect(result.stored).toBe(true);
      expect(result.chunkIds?.length).toBeGreaterThan(2);
      expect(result.memoryId).toBe(result.chunkIds?.[0]);
      const { items } = await brain.list(bankId);
      expect(items.map((m) => m.id)).toEqual(result.chunkIds);
      expect(items.every((m) => m.documentId === result.memoryId && m.tags[0] === 'handbook')).toBe(true);
      expect(items.map((m) => m.text).join('\n\n')).toBe(paragraphs.join('\n\n'));
      const { hits } = await brain.recall('where is the emergency exit', { bankId, maxResults: 1 });
      expect(hits[0]?.text).toContain('marmalade cupboard');
      const forgotten = await brain.forget(bankId, { memoryIds: [hits[0]?.memoryId as string] });
      expect(forgotten.deletedCount).toBe(result.chunkIds?.length);
      expect((await brain.list(bankId)).items).toEqual([]);
    });

    it('accepts a text of a megabyte', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const text = Array.from({ length: 20_000 }, (_, i) => `Line ${i} of a very long log file.`).join('\n');
      const megabyte = `${text}\n${'x'.repeat(Math.max(0, 1_000_000 - text.length - 1))}`;
      expect(megabyte.length).toBe(1_000_000);
      const result = await brain.retain(megabyte, { bankId });
      expect(result.stored).toBe(true);
      expect(result.chunkIds?.length).toBeGreaterThan(200);
    });

    it('keeps every chunk of a text whose parts repeat each other or another text, and matches it again whole', async () => {
      const brain = await makeBrain({ limits: { chunkSize: 1000 } });
      const bankId = randomBankId();
      const block = (name: string) =>
        Array.from({ length: 12 }, (_, i) => `The ${name} report, line ${i}, lists revenue and costs.`).join(' ');
      // Three blocks alike but for one word, then one repeated word for word, then a fact found nowhere else.
      const report = [
        block('quarterly'),
        block('monthly'),
        block('quarterly'),
        `${block('weekly')} The MARKERXYZ code is 4711.`,
      ].join('\n\n');
      const other = [block('quarterly'), `${block('annual')} It shares its first block with the report.`].join('\n\n');
      const first = await brain.retain(report, { bankId });
      const second = await brain.retain(other, { bankId });
      for (const [result, text] of [
        [first, report],
        [second, other],
      ] as const) {
        expect(result.stored).toBe(true);
        expect(new Set(result.chunkIds).size).toBe(result.chunkIds?.length);
        const { items } = await brain.list(bankId);
        const chunks = items.filter((m) => m.documentId === result.memoryId);
        expect(chunks.map((m) => m.id)).toEqual(result.chunkIds);
        expect(chunks.map((m) => m.text).join('\n\n')).toBe(text);
      }
      const { hits } = await brain.recall('MARKERXYZ code', { bankId, maxResults: 1 });
      expect(hits[0]?.text).toContain('4711');
      const before = (await brain.list(bankId)).items.length;
      const again = await brain.retain(report, { bankId, tags: ['finance'] });
      expect(again).toMatchObject({ stored: false, deduplicated: true, duplicateOf: first.memoryId });
      expect(again.chunkIds).toEqual(first.chunkIds);
      expect((await brain.list(bankId)).items.length).toBe(before);
    });

    it('stores a turn said again, in its session or another, and a session imported again once', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const turns = [
        { speaker: 'Alice', text: 'Ship tonight?' },
        { speaker: 'Bo', text: 'yes' },
        { speaker: 'Alice', text: 'Without the tests?' },
        { speaker: 'Bo', text: 'yes' },
      ];
      for (const sessionId of ['s1', 's2']) {
        const results = await brain.retainConversation(turns, { bankId, sessionId });
        expect(results.map((r) => r.stored)).toEqual([true, true, true, true]);
      }
      const again = await brain.retainConversation(turns, { bankId, sessionId: 's2' });
      expect(again.map((r) => r.deduplicated)).toEqual([true, true, true, true]);
      const { items } = await brain.list(bankId);
      const session = turns.map((t, position) => [position, t.text]);
      expect(items.map((m) => [m.episode?.id, m.episode?.position, m.text])).toEqual([
        ...session.map((turn) => ['s1', ...turn]),
        ...session.map((turn) => ['s2', ...turn]),
      ]);
    });
    it('keeps a corrected turn in its place: its speaker, session, position and time', async () => {
      const brain = await makeBrain({ limits: { chunkSize: 200 } });
      const bankId = randomBankId();
      const long = `Here is the whole plan for the launch week, day by day. ${'Each day we meet at the dock first. '.repeat(12)}`;
      const turns = await brain.retainConversation(
        [
          { speaker: 'ann', text: 'When do we meet?' },
          { speaker: 'bob', text: 'Meet at 3pm by the dock' },
          { speaker: 'ann', text: 'Fine by me' },
          { speaker: 'bob', text: long },
          { speaker: 'ann', text: 'Sounds good' },
        ],
        { bankId, sessionId: 's', occurredAt: '2026-01-01T10:00:00Z' },
      );
      const ids = turns.map((r) => r.memoryId as string);
      const place = async () =>
        (await brain.list(bankId)).items
          .sort((a, b) => (a.episode?.position ?? -1) - (b.episode?.position ?? -1))
          .map((m) => [m.text, m.speaker, m.episode?.id, m.episode?.position, m.occurredAt?.toISOString()]);
      const before = await place();

      // A correction gives no speaker or session: it takes the turn's, its place and, unless given, its time.
      const fix = await brain.retain('Meet at 4pm by the dock', { bankId, supersedes: ids[1] as string });
      const moved = await brain.retain('Meet at 5pm by the dock', {
        bankId,
        supersedes: fix.memoryId as string,
        occurredAt: '2026-01-01T11:00:00Z',
      });
      // A long turn, stored as chunks, is replaced whole; its correction takes the place of its first chunk.
      const short = await brain.retain('No plan yet', { bankId, supersedes: ids[3] as string });
      expect([fix.stored, moved.stored, short.stored]).toEqual([true, true, true]);
      const at = '2026-01-01T10:00:00.000Z';
      expect(await place()).toEqual([
        before[0],
        ['Meet at 5pm by the dock', 'bob', 's', 1, '2026-01-01T11:00:00.000Z'],
        before[2],
        ['No plan yet', 'bob', 's', 3, at],
        ...before.filter((turn) => turn[0] === 'Sounds good'),
      ]);
      // The correction is a turn of the session: recalled as one, and told apart from the same words elsewhere.
      const { hits } = await brain.recall('meet at 5pm', { bankId, maxResults: 10 });
      expect(hits.find((hit) => hit.memoryId === moved.memoryId)).toMatchObject({
        speaker: 'bob',
        episode: { id: 's', position: 1 },
      });
      expect((await brain.retain('Meet at 5pm by the dock', { bankId })).stored).toBe(true);
      // Too long for one memory, a correction would leave the turn's place for the session's end: refused, nothing stored.
      const stored = await place();
      await expectFieldErrors([
        [() => brain.retain(long, { bankId, supersedes: moved.memoryId as string }), 'content'],
      ]);
      expect(await place()).toEqual(stored);
    });

    it('stores the correction of a chunk of a long text outside the text: a memory or a text of its own', async () => {
      const brain = await makeBrain({ limits: { chunkSize: 200 } });
      const bankId = randomBankId();
      const text = (word: string) =>
        Array.from({ length: 6 }, (_, i) => `Section ${i} of the ${word} manual.`.repeat(4));
      const manual = await brain.retain(text('boiler').join('\n\n'), { bankId });
      const chunkIds = manual.chunkIds as string[];
      const fix = await brain.retain(text('heater').join('\n\n'), { bankId, supersedes: chunkIds[2] as string });
      const { items } = await brain.list(bankId);
      expect(items.map((m) => m.id)).toEqual(fix.chunkIds);
      expect(items.map((m) => [m.episode?.id, m.episode?.position, m.speaker])).toEqual(
        items.map((_, position) => [fix.memoryId, position, undefined]),
      );
      const short = await brain.retain('The heater was removed', { bankId, supersedes: fix.memoryId as string });
      const [only] = (await brain.list(bankId)).items;
      expect(only).toMatchObject({ id: short.memoryId, text: 'The heater was removed' });
      expect(only).not.toHaveProperty('episode');
      expect(only).not.toHaveProperty('documentId');
    });

    it('takes a speaker written decomposed for the same name composed: the turn is stored once, under the composed name', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const options = { bankId, sessionId: 'cabin', occurredAt: '2025-01-01T00:00:00Z' };
      const text = 'I booked the cabin for July.';
      // Composed, as a turn stored before names were normalized was (its hash unchanged), then decomposed (macOS).
      const [composed] = await brain.retainConversation([{ speaker: 'Zo\u00eb', text }], options);
      const [decomposed] = await brain.retainConversation([{ speaker: ' Zoe\u0308 ', text }], options);
      expect(decomposed).toMatchObject({ deduplicated: true, memoryId: composed?.memoryId });
      const other = randomBankId();
      await brain.retainConversation([{ speaker: 'Zoe\u0308', text }], { ...options, bankId: other });
      const again = await brain.retainConversation([{ speaker: 'Zo\u00eb', text }], { ...options, bankId: other });
      expect(again.map((r) => r.deduplicated)).toEqual([true]);
      for (const id of [bankId, other])
        expect((await brain.list(id)).items.map((m) => m.speaker)).toEqual(['Zo\u00eb']);
    });
  });

  describe('what dedup must never merge', () => {
    const makeBrain = brainHarness(factory);

    it.each([
      ['a negation', 'The user is allergic to penicillin', 'The user is not allergic to penicillin'],
      [
        'a changed number',
        'The team budget for the quarter is 12000 dollars',
        'The team budget for the quarter is 15000 dollars',
      ],
      ['a changed name', 'My manager is Alice Johnson', 'My manager is Alicia Johnson'],
      ['a changed date', 'The design review is on 2024-05-01', 'The design review is on 2024-05-02'],
      ['an identifier differing in case', 'User ID is ABC123', 'User ID is abc123'],
      ['a symbol', 'The formula is E = mc²', 'The formula is E = mc2'],
      // The local embedder's hashed features of these two numbers fall on the same dimensions: 97 % similar vectors.
      ['a flight number', 'Flight UA 2801 departs at 9am', 'Flight UA 2337 departs at 9am'],
    ])('stores both of a pair differing in %s, and recalls each', async (_, first, second) => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const a = await brain.retain(first, { bankId });
      const b = await brain.retain(second, { bankId });
      expect([a.stored, b.stored]).toEqual([true, true]);
      const { hits } = await brain.recall(second, { bankId, maxResults: 2 });
      expect(hits.map((h) => h.text).sort()).toEqual([first, second].sort());
    });

    // A language model's vectors of such pairs are nearly one (0.96 for this negation, 0.99 for the two weekdays, with
    // a sentence encoder): an embedder that gives every text the same vector is the limit they approach, where only
    // the words can tell the two facts apart.
    const sameVector: Embedder = {
      name: 'same-vector',
      dimensions: 4,
      embed: async (texts) => texts.map(() => Float32Array.of(0.5, 0.5, 0.5, 0.5)),
    };

    it('stores both facts of a pair whose vectors are the same, where they differ in a word, and merges a rewording', async () => {
      const brain = await makeBrain({ embedder: sameVector });
      const pairs = [
        ['The user is allergic to penicillin.', 'The user is not allergic to penicillin.'],
        ['The user has no cat.', 'The user has a cat.'],
        ['The user always drinks tea in the morning.', 'The user never drinks tea in the morning.'],
        ['The project deadline is Friday.', 'The project deadline is Thursday.'],
        ['My manager is Alice Johnson.', 'My manager is Alicia Johnson.'],
        ['User ID is ABC123', 'User ID is abc123'],
        ['The flight leaves on 3 May.', 'The flight leaves on 4 May.'],
        ['The user is allergic to penicillin.', 'The user is allergic to penicillin and to latex.'],
        // "notes" and "not" share a stem, "nothing" has none of its negation's: negations are compared as written.
        ['Planning notes: the budget was approved.', 'Planning notes: the budget was not approved.'],
        ['Nothing changed in the plan.', 'The plan changed.'],
        // A sign, a currency, an emoji, a code's case, and the words a keyword search skips tell facts apart too.
        ['The invoice total is $50', 'The invoice total is €50'],
        ['The temperature outside was -5 degrees', 'The temperature outside was 5 degrees'],
        ['Deposit +100 to account', 'Deposit -100 to account'],
        ['The launch went 👍', 'The launch went 👎'],
        ['The server is in us-east-1', 'The server is in US-EAST-1'],
        ['The stock price went down 5 percent', 'The stock price went up 5 percent'],
        ['The user must be over 18 to sign up', 'The user must be under 18 to sign up'],
        ['The key is on the table', 'The key is under the table'],
        ['He is allergic to peanuts', 'She is allergic to peanuts'],
        ['Most users prefer dark mode', 'Few users prefer dark mode'],
        ['I was a teacher', 'I am a teacher'],
        ['Alice will move to Berlin', 'Alice would move to Berlin'],
        ['Moved from Berlin', 'Moved to Berlin'],
        ['I do yoga on Mondays', 'I did yoga on Mondays'],
        ['Alice and Bob signed', 'Alice or Bob signed'],
      ];
      for (const [first, second] of pairs) {
        const bankId = randomBankId();
        await brain.retain(first as string, { bankId });
        expect([second, (await brain.retain(second as string, { bankId })).stored]).toEqual([second, true]);
      }
      // What says nothing new is a near duplicate: other case, punctuation, order, word forms, or fewer words.
      const bankId = randomBankId();
      const stored = await brain.retain('The user is allergic to penicillin and to latex.', { bankId });
      for (const repeat of ['the user is allergic to penicillin and latex', 'Allergic to latex: the user.']) {
        expect(await brain.retain(repeat, { bankId })).toMatchObject({
          stored: false,
          deduplicated: true,
          duplicateOf: stored.memoryId,
        });
      }
      // Words that tell facts apart elsewhere, added where the stored text makes no such contrast; other dashes and
      // marks.
      const rewordings = [
        ['Meeting at 3pm', 'The meeting is at 3pm'],
        ['Dentist appointment Tuesday', 'Dentist appointment on Tuesday'],
        ['Prefers dark mode', 'I prefer dark mode'],
        ['I am allergic to nuts', "I'm allergic to nuts"],
        ['Office hours are 9-5 on weekdays', 'Office hours are 9–5 on weekdays'],
        ['Uses pnpm for installs', 'Uses `pnpm` for installs'],
      ];
      for (const [first, repeat] of rewordings) {
        const bank = randomBankId();
        const kept = await brain.retain(first as string, { bankId: bank });
        expect([repeat, await brain.retain(repeat as string, { bankId: bank })]).toMatchObject([
          repeat,
          { stored: false, duplicateOf: kept.memoryId },
        ]);
      }
    });

    it('takes a text with an invisible break (a zero-width space, a soft hyphen) for the same text', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const first = await brain.retain('Ana works at Globex', { bankId });
      for (const again of ['Ana works at Glo\u200bbex', 'Ana works at Glo\u00adbex', '\ufeffAna works at Globex\u2060'])
        expect(await brain.retain(again, { bankId })).toMatchObject({ stored: false, duplicateOf: first.memoryId });
      // A question holding one finds the word.
      expect((await brain.recall('Who works at Glo\u200bbex?', { bankId })).hits[0]?.memoryId).toBe(first.memoryId);
    });

    it('stores a correction that resembles another memory as its own, replacing the memory it corrects', async () => {
      const brain = await makeBrain({ embedder: sameVector });
      const bankId = randomBankId();
      const other = await brain.retain('Ada really likes tea', { bankId });
      const old = await brain.retain('Ada likes green tea', { bankId });
      const fix = await brain.retain('Ada likes tea', { bankId, supersedes: old.memoryId as string });
      expect(fix).toMatchObject({ stored: true });
      const live = (await brain.list(bankId, { limit: 10 })).items.map((m) => m.text).sort();
      expect(live).toEqual(['Ada likes tea', 'Ada really likes tea']);
      expect((await brain.history(bankId, old.memoryId as string)).at(-1)).toMatchObject({ relatedId: fix.memoryId });
      // Its exact repeat of a memory still replaces the corrected one with that memory.
      const again = await brain.retain('Ada likes lemon tea', { bankId });
      expect(
        await brain.retain('Ada really likes tea', { bankId, supersedes: again.memoryId as string }),
      ).toMatchObject({ stored: false, duplicateOf: other.memoryId });
    });

    it('adds the tags of a repeated retain to the memory, and stores the same words at another time', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const first = await brain.retain('Went to the climbing gym', {
        bankId,
        tags: ['sport'],
        occurredAt: '2025-01-01',
      });
      const again = await brain.retain('Went to the climbing gym', {
        bankId,
        tags: ['weekly'],
        occurredAt: '2025-01-01',
      });
      expect(again).toMatchObject({
        stored: false,
        deduplicated: true,
        duplicateOf: first.memoryId,
        mergedTags: ['weekly'],
      });
      expect((await brain.list(bankId)).items[0]?.tags).toEqual(['sport', 'weekly']);
      const later = await brain.retain('Went to the climbing gym', { bankId, occurredAt: '2025-01-08' });
      expect(later.stored).toBe(true);
      expect((await brain.list(bankId)).items).toHaveLength(2);
    });
  });
}
