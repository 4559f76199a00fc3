import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import { now } from './timing.js';

/**
 * Runs `fn` while watching the event loop, and returns its result, how long it took (`ms`) and the longest time the
 * loop was blocked at once, in ms: the largest delay of a timer that fires every 5 ms (so a block is seen to within
 * about 5 ms). A block that ends the call is seen too: the watch goes on until the loop's next timers have run, which
 * `ms` does not count.
 */
export async function withLongestBlock<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; ms: number; longestBlockMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const start = now();
    const result = await fn();
    const ms = now() - start;
    await setTimeout(0);
    return { result, ms, longestBlockMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}
