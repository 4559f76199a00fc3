import { performance } from 'node:perf_hooks';

/** Milliseconds since an arbitrary origin, with sub-microsecond resolution. */
export function now(): number {
  return performance.now();
}

/** Runs `fn` and returns its result and how long it took, in ms. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - start };
}

/**
 * Calls `fn(i)` for i in [0, warmup + iterations), discards the first `warmup` timings (JIT, caches, prepared
 * statements) and returns the rest in ms.
 */
export async function sampleLatencies(
  iterations: number,
  fn: (i: number) => Promise<unknown> | unknown,
  warmup = Math.min(50, Math.ceil(iterations / 10)),
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const start = performance.now();
    await fn(i);
    const ms = performance.now() - start;
    if (i >= warmup) samples.push(ms);
  }
  return samples;
}

/**
 * Measures several operations in rotation, one call of each per round, so that drift (GC, CPU frequency, a noisy
 * neighbour) hits all alike; the order rotates every round so that none always runs on a cache another warmed.
 */
export async function sampleInterleaved<K extends string>(
  iterations: number,
  operations: Record<K, (i: number) => Promise<unknown> | unknown>,
  warmup = Math.min(100, Math.ceil(iterations / 10)),
): Promise<Record<K, number[]>> {
  const keys = Object.keys(operations) as K[];
  const out = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < warmup + iterations; i++) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(i + j) % keys.length] as K;
      const start = performance.now();
      await operations[key](i);
      const ms = performance.now() - start;
      if (i >= warmup) out[key].push(ms);
    }
  }
  return out;
}
