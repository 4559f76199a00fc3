import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { handleMemoryTool, type MemoryToolBinding } from '../../tools/handle-memory-tool.js';
import type { JsonObject } from '../../types.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness, expectFieldErrors, manualClock } from './harness.js';

const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDC00';
const NUL = '\u0000';

/** Input at the edges every backend must refuse alike (or accept alike), with a typed error naming the field. */
export function describeInputEdges(factory: StoreFactory): void {
  describe('input edges', () => {
    const makeBrain = brainHarness(factory);

    it('refuses lone surrogates and NUL in every text field, naming the field, and stores nothing', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await expectFieldErrors([
        [() => brain.retain(`half ${LONE_HIGH} a pair`, { bankId }), 'content'],
        [() => brain.retain(`ends with ${LONE_HIGH}`, { bankId }), 'content'],
        [() => brain.retain(`${LONE_LOW} starts it`, { bankId }), 'content'],
        [() => brain.retain(`a ${NUL} byte`, { bankId }), 'content'],
        [() => brain.retain('ok', { bankId, tags: ['fine', `t${LONE_LOW}`] }), 'tags[1]'],
        [() => brain.retain('ok', { bankId, tags: [`t${NUL}`] }), 'tags[0]'],
        [() => brain.retain('ok', { bankId, metadata: { owner: { name: `Jo${LONE_HIGH}` } } }), 'metadata.owner.name'],
        [() => brain.retain('ok', { bankId, metadata: { list: ['a', `b${NUL}`] } }), 'metadata.list[1]'],
        [() => brain.retain('ok', { bankId, metadata: { dir: `C:${NUL}dir` } }), 'metadata.dir'],
        [() => brain.retain('ok', { bankId, metadata: { [`k${LONE_HIGH}`]: 1 } }), `metadata key "k\\ud800"`],
        [() => brain.retain('ok', { bankId, path: `notes/${LONE_LOW}` }), 'path'],
        [() => brain.retain('ok', { bankId, context: { actor: `agent${LONE_HIGH}` } }), 'context.actor'],
        [() => brain.retainMany([{ content: 'fine' }, { content: `bad${NUL}` }], { bankId }), 'items[1].content'],
        [
          () => brain.retainConversation([{ speaker: `ann${LONE_HIGH}`, text: 'hello' }], { bankId }),
          'turns[0].speaker',
        ],
        [() => brain.recall(`where ${LONE_HIGH}`, { bankId }), 'query'],
        [() => brain.forget(bankId, { memoryIds: ['x'], reason: `why${NUL}` }), 'reason'],
        [() => brain.forget(bankId, { memoryIds: ['x', `y${NUL}`] }), 'memoryIds[1]'],
        [() => brain.history(bankId, `y${NUL}`), 'memoryId'],
        [() => brain.retain('ok', { bankId, supersedes: `y${LONE_LOW}` }), 'supersedes'],
      ]);
      expect((await brain.list(bankId)).items).toEqual([]);
      expect(await brain.banks()).not.toContainEqual(expect.objectContaining({ bankId }));
    });

    it('keeps text that only looks like an escape, and whole surrogate pairs, exactly as given', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const metadata: JsonObject = { dir: 'C:\\u0000dir', note: 'a backslash: \\', emoji: '😀' };
      const result = await brain.retain('Rocket 🚀 launch at C:\\u0000dir', { bankId, tags: ['🚀'], metadata });
      expect(result.stored).toBe(true);
      const [memory] = (await brain.list(bankId)).items;
      expect(memory).toMatchObject({ text: 'Rocket 🚀 launch at C:\\u0000dir', tags: ['🚀'], metadata });
    });

    it('refuses metadata nested deeper than 64 levels with a ValidationError, and stores 64 levels exactly', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const nested = (levels: number): JsonObject => {
        let value: JsonObject = { leaf: 'x' };
        for (let i = 1; i < levels; i++) value = { a: value };
        return value;
      };
      // 2,500 levels are 15 KB of JSON, under the size limit, and deep enough to overflow a check that recurses.
      const deep = nested(2500);
      const tooDeep = `metadata${'.a'.repeat(64)}`;
      await expectFieldErrors([
        [() => brain.retain('ok', { bankId, metadata: nested(65) }), tooDeep],
        [() => brain.retain('ok', { bankId, metadata: deep }), tooDeep],
        // Deep enough to overflow JSON.stringify's own stack: still the depth, not "cannot be serialized".
        [() => brain.retain('ok', { bankId, metadata: nested(20_000) }), tooDeep],
        [() => brain.retainMany([{ content: 'ok', metadata: deep }], { bankId }), `items[0].${tooDeep}`],
        [
          () => brain.retainConversation([{ speaker: 'a', text: 'ok', metadata: deep }], { bankId }),
          `turns[0].${tooDeep}`,
        ],
      ]);
      expect((await brain.list(bankId)).items).toEqual([]);
      await brain.retain('ok', { bankId, metadata: nested(64) });
      expect((await brain.list(bankId)).items[0]?.metadata).toEqual(nested(64));
    });

    it('checks metadata as it is stored, once serialized, and refuses options of the wrong shape', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await expectFieldErrors([
        [() => brain.retain('ok', { bankId, metadata: { toJSON: () => 'a string' } as never }), 'metadata'],
        [() => brain.retain('ok', { bankId, metadata: new Map([['a', 1]]) as never }), 'metadata'],
        [() => brain.retain('ok', { bankId, metadata: { a: { toJSON: () => `x${NUL}y` } } as never }), 'metadata.a'],
        [() => brain.retain('ok', { bankId, metadata: { a: { toJSON: () => LONE_LOW } } as never }), 'metadata.a'],
        // JSON.parse makes `__proto__` an own key, which any object copied key by key would lose.
        [
          () => brain.retain('ok', { bankId, metadata: JSON.parse('{"a":1,"__proto__":{"admin":true}}') }),
          'metadata.__proto__',
        ],
        [
          () => brain.retainMany([{ content: 'ok', metadata: JSON.parse('{"a":{"__proto__":1}}') }], { bankId }),
          'items[0].metadata.a.__proto__',
        ],
        // JSON has no Infinity or NaN: stringified, they would be stored as null.
        [() => brain.retain('ok', { bankId, metadata: { a: Number.POSITIVE_INFINITY } }), 'metadata.a'],
        [() => brain.retain('ok', { bankId, metadata: { list: [1, Number.NaN] } }), 'metadata.list[1]'],
        [() => brain.recall('q', { bankId, timeRange: '2001-01-01' as never }), 'timeRange'],
        [() => brain.recall('q', { bankId, timeRange: { start: '2001-01-01' } as never }), 'timeRange.start'],
        [() => brain.list(bankId, null as never), 'options'],
        [() => brain.list(bankId, { cursor: 'not a cursor!' }), 'cursor'],
      ]);
      expect((await brain.list(bankId)).items).toEqual([]);
      // What toJSON gives is what is stored and read back.
      await brain.retain('ok', { bankId, metadata: { at: new Date('2025-03-01T00:00:00Z') } as never });
      expect((await brain.list(bankId)).items[0]?.metadata).toEqual({ at: '2025-03-01T00:00:00.000Z' });
    });

    it('refuses an option, an item field or a turn field it does not know, naming it, and stores and forgets nothing', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const kept = await brain.retain('The user keeps a spare key under the mat', { bankId, tags: ['home'] });
      const id = kept.memoryId as string;
      // Each misspelling would have dropped what it carried (the tags, the date) and reported success.
      await expectFieldErrors([
        [() => brain.retain('The user likes tea', { bankId, tag: ['drinks'] } as never), 'tag'],
        [() => brain.retainMany([{ content: 'a' }], { bankId, tags: ['x'] } as never), 'tags'],
        [() => brain.retainMany([{ content: 'b' }, { content: 'c', tag: 'x' } as never], { bankId }), 'items[1].tag'],
        [
          () => brain.retainConversation([{ speaker: 'u', text: 'd', at: '2024-05-08' } as never], { bankId }),
          'turns[0].at',
        ],
        [() => brain.retainConversation([{ speaker: 'u', text: 'e' }], { bankId, session: 's1' } as never), 'session'],
        [() => brain.recall('key', { bankId, maxResult: 1 } as never), 'maxResult'],
        [() => brain.reflect('key', { bankId, maxResults: 1 } as never), 'maxResults'],
        [() => brain.forget(bankId, { memoryIds: [id], tag: 'home' } as never), 'tag'],
        [() => brain.forget(bankId, { memoryId: id } as never), 'memoryId'],
        [() => brain.list(bankId, { limt: 1 } as never), 'limt'],
        [() => brain.history(bankId, id, { actor: 'x' } as never), 'actor'],
        [() => brain.explain('The user likes tea', { bankId, tag: ['x'] } as never), 'tag'],
        [() => brain.banks({ principal: 'user:alice' } as never), 'principal'],
        [() => brain.purgeExpired({ force: true } as never), 'force'],
        [() => brain.compact({ vacuum: true } as never), 'vacuum'],
        [() => brain.reembedStatus({ verbose: true } as never), 'verbose'],
        [() => brain.cancelReembed({ force: true } as never), 'force'],
        [() => brain.reembed({ to: { provider: 'local' }, batch: 10 } as never), 'batch'],
      ]);
      expect((await brain.list(bankId)).items.map((m) => m.text)).toEqual(['The user keeps a spare key under the mat']);
      // A typo's error names the key it was likely meant to be, after the keys there are.
      await expect(brain.retain('The user likes tea', { bankId, tag: ['drinks'] } as never)).rejects.toThrow(
        /^tag: is not an option of retain; expected .*; did you mean "tags"\?$/,
      );
      await expect(brain.recall('key', { bankId, max_results: 1 } as never)).rejects.toThrow(
        /did you mean "maxResults"\?$/,
      );
      // Every documented key is accepted.
      await brain.retainMany([{ content: 'f', tags: ['x'], metadata: {}, path: 'a/b', occurredAt: '2024-05-08' }], {
        bankId,
        context: {},
      });
      await brain.retainConversation(
        [{ speaker: 'u', text: 'g', occurredAt: '2024-05-08', tags: ['y'], metadata: {} }],
        { bankId, sessionId: 's1', occurredAt: '2024-05-08', tags: ['z'], context: {} },
      );
      const { hits } = await brain.recall('spare key', {
        bankId,
        maxResults: 5,
        tags: ['home'],
        pathPrefix: '',
        timeRange: { from: '2000-01-01', to: '2999-01-01' },
        minScore: 0,
        context: {},
      });
      expect(hits.map((h) => h.memoryId)).toEqual([id]);
    });

    it('refuses a recall or listing filtered by blank tags only, which would match every memory once dropped', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('The user keeps a spare key under the mat', { bankId, tags: ['home'] });
      await brain.retain('The user drinks tea in the morning', { bankId, tags: ['drinks'] });
      await expectFieldErrors([
        [() => brain.recall('user', { bankId, tags: [''] }), 'tags'],
        [() => brain.list(bankId, { tags: ['  '] }), 'tags'],
        [() => brain.forget(bankId, { tags: [''] }), 'tags'],
      ]);
      // A blank tag beside a real one is dropped; an empty list filters nothing.
      expect((await brain.recall('user', { bankId, tags: ['', 'home'] })).hits.map((h) => h.tags)).toEqual([['home']]);
      expect((await brain.list(bankId, { tags: [] })).items).toHaveLength(2);
    });

    it('refuses a context that is not one, in every operation, and stores and forgets nothing', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const kept = await brain.retain('The user keeps a spare key under the mat', { bankId });
      await expectFieldErrors([
        [() => brain.retain('a', { bankId, context: 'user:alice' as never }), 'context'],
        [() => brain.retain('b', { bankId, context: ['user:alice'] as never }), 'context'],
        // A misspelt key would leave the history without the actor, and the caller without the principal.
        [() => brain.retain('c', { bankId, context: { principle: 'user:alice' } as never }), 'context.principle'],
        [() => brain.retainMany([{ content: 'd' }], { bankId, context: { actor: '' } }), 'context.actor'],
        [
          () =>
            brain.retainConversation([{ speaker: 'u', text: 'e' }], { bankId, context: { requestId: 42 } as never }),
          'context.requestId',
        ],
        [() => brain.recall('key', { bankId, context: 42 as never }), 'context'],
        [
          () => brain.forget(bankId, { memoryIds: [kept.memoryId as string], context: { actor: 7 } as never }),
          'context.actor',
        ],
        [() => brain.list(bankId, { context: { onBehalfOf: 'robot:r2' } }), 'context.onBehalfOf'],
      ]);
      expect((await brain.list(bankId)).items.map((m) => m.text)).toEqual(['The user keeps a spare key under the mat']);
      // Null is no context, as undefined is; a full context is recorded.
      await brain.retain('The user parks on level 3', { bankId, context: null as never });
      const full = await brain.retain('The user parks on level 4', {
        bankId,
        context: { actor: 'agent:helper', requestId: 'r-1', principal: 'alice', onBehalfOf: 'user:bob' },
      });
      expect((await brain.history(bankId, full.memoryId as string))[0]?.actor).toBe('agent:helper');
    });

    it('refuses an expiresAt that has passed, in retain, retainMany and a turn, and stores nothing', async () => {
      const clock = manualClock();
      const brain = await makeBrain({ now: clock.now });
      const bankId = randomBankId();
      const passed = new Date(clock.now().getTime() - 1);
      await expectFieldErrors([
        [() => brain.retain('ok', { bankId, expiresAt: passed }), 'expiresAt'],
        [() => brain.retain('ok', { bankId, expiresAt: clock.now() }), 'expiresAt'],
        [
          () => brain.retainMany([{ content: 'a' }, { content: 'b', expiresAt: '2001-01-01' }], { bankId }),
          'items[1].expiresAt',
        ],
        [
          () => brain.retainConversation([{ speaker: 'a', text: 'ok', expiresAt: passed }], { bankId }),
          'turns[0].expiresAt',
        ],
      ]);
      expect((await brain.list(bankId)).items).toEqual([]);
      const later = new Date(clock.now().getTime() + 1);
      await brain.retain('kept until later', { bankId, expiresAt: later });
      expect((await brain.list(bankId)).items.map((m) => m.expiresAt)).toEqual([later]);
    });

    it('takes Dates and strict ISO 8601 strings only, in years 1 to 9999', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await expectFieldErrors([
        [() => brain.retain('ok', { bankId, occurredAt: '2025-02-30' }), 'occurredAt'],
        [() => brain.retain('ok', { bankId, occurredAt: '2025-02-29' }), 'occurredAt'],
        [() => brain.retain('ok', { bankId, occurredAt: '2025-13-01' }), 'occurredAt'],
        [() => brain.retain('ok', { bankId, occurredAt: '1' }), 'occurredAt'],
        [() => brain.retain('ok', { bankId, occurredAt: 'March 3, 2025' }), 'occurredAt'],
        [() => brain.retain('ok', { bankId, occurredAt: '2025-03-01T24:00:00Z' }), 'occurredAt'],
        [() => brain.retain('ok', { bankId, occurredAt: '2025-03-01 09:30' }), 'occurredAt'],
        [() => brain.retain('ok', { bankId, occurredAt: new Date('nonsense') }), 'occurredAt'],
        [() => brain.retain('ok', { bankId, expiresAt: new Date(Date.UTC(10_000, 0, 1)) }), 'expiresAt'],
        [() => brain.retain('ok', { bankId, expiresAt: new Date(-62_198_755_200_000) }), 'expiresAt'],
        [() => brain.retain('ok', { bankId, occurredAt: '0000-06-01' }), 'occurredAt'],
        [() => brain.recall('q', { bankId, timeRange: { from: new Date(8.64e15) } }), 'timeRange.from'],
        [() => brain.recall('q', { bankId, timeRange: { to: '2025-04-31' } }), 'timeRange.to'],
        [() => brain.forget(bankId, { before: '2025-1-5' }), 'before'],
        [() => brain.forget(bankId, { before: new Date(-8.64e15) }), 'before'],
      ]);
      expect((await brain.list(bankId)).items).toEqual([]);
      // The message shows what was given, where JSON would print an invalid Date and NaN alike as null.
      const refusal = (occurredAt: unknown) =>
        brain.retain('ok', { bankId, occurredAt: occurredAt as Date }).then(
          () => '',
          (error: Error) => error.message,
        );
      expect(await refusal(new Date('nonsense'))).toMatch(/got an invalid Date$/);
      expect(await refusal(1_700_000_000_000)).toMatch(/got 1700000000000$/);
      expect(await refusal('soon')).toMatch(/got "soon"$/);
      const accepted: [string | Date, string][] = [
        ['2024-02-29', '2024-02-29T00:00:00.000Z'],
        ['2025-03-01T09:30Z', '2025-03-01T09:30:00.000Z'],
        ['2025-03-01T09:30:15.250+02:00', '2025-03-01T07:30:15.250Z'],
        ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
        [new Date('9999-12-31T23:59:59.999Z'), '9999-12-31T23:59:59.999Z'],
      ];
      for (const [occurredAt, iso] of accepted) {
        const { memoryId } = await brain.retain(`Event at ${iso}`, { bankId, occurredAt });
        expect((await brain.list(bankId, { limit: 100 })).items.find((m) => m.id === memoryId)?.occurredAt).toEqual(
          new Date(iso),
        );
      }
    });

    it('refuses a NaN score, a forget-all that is not true, and options that are not what they say', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const { memoryId } = await brain.retain('Quinn likes sailing', { bankId });
      await expectFieldErrors([
        [() => brain.recall('sailing', { bankId, minScore: Number.NaN }), 'minScore'],
        [() => brain.recall('sailing', { bankId, minScore: '0.5' as unknown as number }), 'minScore'],
        [() => brain.forget(bankId, { all: 'yes' as unknown as boolean }), 'all'],
        [() => brain.forget(bankId, { all: 1 as unknown as boolean }), 'all'],
        [() => brain.forget(bankId, { all: true, reason: 42 as unknown as string }), 'reason'],
        [
          () => brain.forget(bankId, { all: true, overrideLegalHold: 'yes' as unknown as boolean }),
          'overrideLegalHold',
        ],
        [() => brain.retain('ok', { bankId, overrideLegalHold: true, reason: 'no target' }), 'overrideLegalHold'],
        [
          () => brain.retainMany([{ content: 'x', supersedes: memoryId } as { content: string }], { bankId }),
          'items[0].supersedes',
        ],
        [() => makeBrain({ recall: { repeatFactor: 2 } }), 'recall.repeatFactor'],
        [() => makeBrain({ recall: { repeatFactor: Number.NaN } }), 'recall.repeatFactor'],
        [() => makeBrain({ recall: { speakerBoost: 1.5 } }), 'recall.speakerBoost'],
      ]);
      expect((await brain.list(bankId)).items.map((m) => m.text)).toEqual(['Quinn likes sailing']);
    });

    it('refuses values JSON cannot write (a bigint, a cycle) with a typed error that shows them', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const { memoryId } = await brain.retain('Quinn likes sailing', { bankId });
      const cycle: Record<string, unknown> = { n: 5 };
      cycle.self = cycle;
      const odd = <T>(value: unknown) => value as T;
      await expectFieldErrors([
        [() => brain.retain('ok', { bankId: odd<string>(10n) }), 'bankId'],
        [() => brain.retain('ok', { bankId: odd<string>(cycle) }), 'bankId'],
        [() => brain.retain('ok', { bankId, supersedes: odd<string>(5n) }), 'supersedes'],
        [() => brain.retain('ok', { bankId, occurredAt: odd<string>(5n) }), 'occurredAt'],
        [
          () => brain.retainConversation([{ speaker: 'a', text: 'hi' }], { bankId, sessionId: odd<string>(5n) }),
          'sessionId',
        ],
        [() => brain.recall('sailing', { bankId, maxResults: odd<number>(10n) }), 'maxResults'],
        [() => brain.recall('sailing', { bankId, maxResults: odd<number>(cycle) }), 'maxResults'],
        [() => brain.recall('sailing', { bankId, minScore: odd<number>(1n) }), 'minScore'],
        [() => brain.recall('sailing', { bankId, minScore: odd<number>(cycle) }), 'minScore'],
        [() => brain.forget(bankId, { memoryIds: [odd<string>(1n)] }), 'memoryIds[0]'],
        [() => brain.forget(bankId, { memoryIds: [odd<string>(cycle)] }), 'memoryIds[0]'],
        [() => brain.forget(bankId, { all: odd<boolean>(1n) }), 'all'],
        [() => brain.forget(bankId, { all: odd<boolean>(cycle) }), 'all'],
        [() => brain.history(bankId, odd<string>(7n)), 'memoryId'],
      ]);
      // What the message shows: the value as written, not JSON's null for NaN.
      await expect(brain.recall('sailing', { bankId, maxResults: Number.NaN })).rejects.toThrow('got NaN');
      await expect(brain.recall('sailing', { bankId, maxResults: odd<number>(10n) })).rejects.toThrow('got 10n');
      await expect(brain.recall('sailing', { bankId, maxResults: odd<number>(cycle) })).rejects.toThrow(
        'got an object',
      );
      await expect(brain.forget(bankId, { all: odd<boolean>({ yes: 1 }) })).rejects.toThrow('got {"yes":1}');
      expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([memoryId]);
    });

    it("refuses metadata that a getter or toJSON of the caller's spoils, naming what went wrong, storing nothing", async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const cycle: Record<string, unknown> = { n: 5 };
      cycle.self = cycle;
      const cases: [unknown, RegExp][] = [
        [
          {
            get owner() {
              throw new TypeError('boom');
            },
          },
          /^metadata: must be serializable as JSON; reading it failed: boom$/,
        ],
        [
          { temp: { toJSON: () => Number.NaN } },
          /^metadata: must hold only finite numbers: "temp" is NaN once serialized/,
        ],
        [{ note: { self: cycle } }, /^metadata\.note\.self\.self: holds itself \(a cycle\)/],
      ];
      for (const [metadata, message] of cases) {
        const refused = await brain.retain('ok', { bankId, metadata: metadata as never }).catch((e) => e);
        expect(ValidationError.isInstance(refused)).toBe(true);
        expect(refused.message).toMatch(message);
      }
      expect((await brain.list(bankId)).items).toEqual([]);
    });

    it('takes a tag in either Unicode form as one tag: a forget by one form finds the other', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const decomposed = 'cafe\u0301';
      const composed = 'caf\u00e9';
      const first = await brain.retain('Lunch at the corner place', { bankId, tags: [decomposed] });
      const again = await brain.retain('Lunch at the corner place', { bankId, tags: [composed, decomposed] });
      expect(again).toMatchObject({ deduplicated: true });
      expect(again.mergedTags ?? []).toEqual([]);
      expect((await brain.list(bankId)).items.map((m) => m.tags)).toEqual([[composed]]);
      expect((await brain.recall('lunch', { bankId, tags: [decomposed] })).hits.map((h) => h.memoryId)).toEqual([
        first.memoryId,
      ]);
      expect(await brain.forget(bankId, { tags: [composed] })).toMatchObject({ deletedCount: 1 });
    });

    it('gives the memory tools a typed error for a missing input or binding', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const cases: [string, unknown, unknown, string][] = [
        ['memory_recall', undefined, { bankId }, 'input'],
        ['memory_forget', undefined, { bankId }, 'input'],
        ['memory_retain', { content: 'x' }, undefined, 'binding'],
        ['memory_recall', { query: 'x' }, null, 'binding'],
      ];
      for (const [tool, input, binding, field] of cases) {
        const error = await handleMemoryTool(brain, tool, input, binding as MemoryToolBinding).catch((e) => e);
        expect(ValidationError.isInstance(error), `${tool} with ${String(input)}, ${String(binding)}`).toBe(true);
        expect(error.details.field).toBe(field);
      }
      expect((await brain.list(bankId)).items).toEqual([]);
    });
  });
}
