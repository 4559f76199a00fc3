import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';

/**
 * Runs `fn` while watching the event loop, and returns its result with the longest time the loop was blocked at
 * once, in ms: the largest delay of a timer that fires every 5 ms (so a block is seen to within about 5 ms). A block
 * that ends the call is seen too: the watch goes on until the loop's next timers have run.
 */
export async function withLongestBlock<T>(fn: () => Promise<T>): Promise<{ result: T; longestBlockMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const result = await fn();
    await setTimeout(0);
    return { result, longestBlockMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}
