import { Astrocyte, type ConversationTurn } from '@astrocyte/core';
import { afterEach, describe, expect, it } from 'vitest';
import { everything, tempProject } from './cli-process.fixture.js';
import { confineFailures } from './confine-failures.js';
import { EarlierSayings } from './earlier-sayings.js';

describe('EarlierSayings', () => {
  const open: Astrocyte[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((brain) => brain.close()));
  });
  const brainOf = async () => {
    const brain = await Astrocyte.fromConfig(tempProject().config);
    open.push(brain);
    return brain;
  };
  const turn = (text: string, speaker = 'user'): ConversationTurn => ({ speaker, text });

  it('stores a turn said again in a later call, in several calls when its earlier sayings would not fit in one', async () => {
    const brain = await brainOf();
    const earlier = new EarlierSayings();
    const calls: number[] = [];
    const store = (turns: ConversationTurn[]) =>
      earlier.retain(
        's1',
        undefined,
        turns,
        (sent) => {
          calls.push(sent.length);
          return brain.retainConversation(sent, { bankId: 'b', sessionId: 's1' });
        },
        3,
      );
    expect((await store([turn('ok'), turn('first'), turn('ok')])).map((r) => r.stored)).toEqual([true, true, true]);
    // Two sayings of "ok" go again before the new one: three turns, the most a call takes here; "later" goes next.
    expect((await store([turn('ok'), turn('later')])).map((r) => r.stored)).toEqual([true, true]);
    expect(calls).toEqual([3, 3, 1]);
    expect((await everything(brain, 'b')).map((m) => m.text)).toEqual(['ok', 'first', 'ok', 'ok', 'later']);
    // The same turns again are the same turns: nothing new.
    const sameAgain = new EarlierSayings();
    const results = await sameAgain.retain(
      's1',
      undefined,
      [turn('ok'), turn('first'), turn('ok'), turn('ok')],
      (sent) => brain.retainConversation(sent, { bankId: 'b', sessionId: 's1' }),
    );
    expect(results.map((r) => r.deduplicated)).toEqual([true, true, true, true]);
  });

  it('stores a turn said again in a later call with its speaker written decomposed, as the library reads it', async () => {
    const brain = await brainOf();
    const earlier = new EarlierSayings();
    const store = (turns: ConversationTurn[]) =>
      earlier.retain('s1', undefined, turns, (sent) =>
        brain.retainConversation(sent, { bankId: 'b', sessionId: 's1' }),
      );
    await store([turn('Yes', 'Zo\u00eb')]);
    // One speaker to the library: without its earlier saying sent first, the new "Yes" was taken for it and lost.
    expect((await store([turn('Yes', 'Zoe\u0308')])).map((r) => r.stored)).toEqual([true]);
    expect((await everything(brain, 'b')).map((m) => [m.speaker, m.text])).toEqual([
      ['Zo\u00eb', 'Yes'],
      ['Zo\u00eb', 'Yes'],
    ]);
  });

  it("names a refused turn by its place among the caller's turns, and counts nothing of the refused attempt", async () => {
    const brain = await brainOf();
    const earlier = new EarlierSayings();
    const store = (turns: ConversationTurn[]) =>
      confineFailures(turns, (some) =>
        earlier.retain(
          's1',
          undefined,
          some,
          (sent) => brain.retainConversation(sent, { bankId: 'b', sessionId: 's1' }),
          2,
        ),
      );
    await store([turn('ok')]);
    // Two calls: the second "ok" beside the first one's saying, then the refused turn alone, which fails the attempt;
    // the "ok" sent again without it is then the one the first call stored.
    const results = await store([turn('ok'), turn('fine', ' \n ')]);
    expect(results[0]).toMatchObject({ duplicateOf: expect.any(String) });
    expect(results[1]).toBeInstanceOf(Error);
    expect((results[1] as Error).message).toMatch(/^speaker: /);
    expect((await everything(brain, 'b')).map((m) => m.text)).toEqual(['ok', 'ok']);
    // The "ok" of the refused attempt was not counted: a third one is the third.
    await store([turn('ok')]);
    expect((await everything(brain, 'b')).map((m) => m.text)).toEqual(['ok', 'ok', 'ok']);
  });
});
