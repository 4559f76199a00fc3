import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TimeSlicer } from './time-slicer.js';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('TimeSlicer', () => {
  it('counts the budget across slicers that run one after another in the same turn of the event loop', async () => {
    await nextTurn();
    const validation = new TimeSlicer(20);
    busy(15);
    await validation.tick();
    expect(validation.turns).toBe(0);
    // A second loop of the same call: its own 10 ms are under the budget, the turn's 25 ms are not.
    const insert = new TimeSlicer(20);
    busy(10);
    await insert.tick();
    expect(insert.turns).toBe(1);
  });

  it('starts a fresh budget after the event loop had its turn', async () => {
    const slicer = new TimeSlicer(20);
    busy(25);
    await slicer.tick();
    expect(slicer.turns).toBe(1);
    busy(5);
    await slicer.tick();
    expect(slicer.turns).toBe(1);
  });
});
