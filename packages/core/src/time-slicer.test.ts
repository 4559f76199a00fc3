import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { TimeSlicer } from './time-slicer.js';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

// Budgets far above what a busy machine's scheduler takes from a test (two test files run at once on two cores):
// the 15 ms of work under a 20 ms budget this test had once measured 20 with the process paused between.
describe('TimeSlicer', () => {
  it('counts the budget across slicers that run one after another in the same turn of the event loop', async () => {
    await nextTurn();
    const validation = new TimeSlicer(200);
    busy(100);
    await validation.tick();
    expect(validation.turns).toBe(0);
    // A second loop of the same call: its own 150 ms are under the budget, the turn's 250 ms are not.
    const insert = new TimeSlicer(200);
    busy(150);
    await insert.tick();
    expect(insert.turns).toBe(1);
  });

  it('starts a fresh budget after the event loop had its turn', async () => {
    const slicer = new TimeSlicer(200);
    busy(250);
    await slicer.tick();
    expect(slicer.turns).toBe(1);
    busy(5);
    await slicer.tick();
    expect(slicer.turns).toBe(1);
  });

  it('lets a due timer run between any two slices, also of work that began in a timer', async () => {
    // Work begun in the timers phase yields to the check phase of the same round of the loop; resumed there, it ran a
    // second slice before any timer could.
    const events: string[] = [];
    await new Promise<void>((done) => {
      setTimeout(async () => {
        const slicer = new TimeSlicer(20);
        const ticker = setInterval(() => events.push('timer'), 1);
        for (let slice = 0; slice < 3; slice++) {
          busy(25);
          events.push('slice');
          await slicer.tick();
        }
        clearInterval(ticker);
        done();
      }, 0);
    });
    const slices = events.join(' ').split('slice').slice(1, -1);
    expect(slices).toHaveLength(2);
    for (const between of slices) expect(between).toContain('timer');
  });

  it("finishes under an application's fake timers, whose timers fire only when told to", async () => {
    // The clock stays real (the slicer measures work with it); the timers are an application's fakes.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate'] });
    try {
      const slicer = new TimeSlicer(1);
      for (let item = 0; item < 5; item++) {
        busy(2);
        await slicer.tick();
      }
      expect(slicer.turns).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });
});
