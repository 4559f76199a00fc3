import { formatNumber } from '../lib/table.js';
import type { SpeedCaseResult } from './speed-case.js';

/** One target of the speed issue and what this run measured against it; `met` is null when not measured. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

/** Checks the speed, overhead and memory targets against the cases run (100k targets need the 100k size). */
export function speedTargets(results: SpeedCaseResult[]): TargetCheck[] {
  const at = (backend: string, size: number) => results.find((r) => r.backend === backend && r.size === size);
  const largest = (backend: string) => results.filter((r) => r.backend === backend).sort((a, b) => b.size - a.size)[0];
  const checks: TargetCheck[] = [];
  const latency = (backend: string, limit: number) => {
    const r = at(backend, 100_000);
    checks.push({
      target: `${backend}: recall p95 ≤ ${limit} ms at 100k`,
      measured: r ? recallP95(r) : '-',
      met: r ? r.recall.ours.p95 <= limit : null,
    });
  };
  const rate = (backend: string, floor: number) => {
    const r = largest(backend);
    const bulk = r ? `; bulk load without near-dup check ${formatNumber(r.load.memoriesPerSecond, 0)}/s` : '';
    checks.push({
      target: `${backend}: retainMany ≥ ${floor.toLocaleString('en-US')}/s (default pipeline)`,
      measured: r
        ? `${formatNumber(r.retainManyDefault.perSecond, 0)}/s into ${r.size.toLocaleString('en-US')}${bulk}`
        : '-',
      met: r ? r.retainManyDefault.perSecond >= floor : null,
    });
  };
  latency('sqlite', 10);
  // Issue 20's bulk-import goals, measured on the default pipeline.
  rate('sqlite', 20_000);
  const turns = largest('sqlite');
  checks.push({
    target: 'sqlite: retainConversation ≥ 5,000 turns/s (default pipeline)',
    measured: turns
      ? `${formatNumber(turns.retainConversation.perSecond, 0)}/s into ${turns.size.toLocaleString('en-US')}`
      : '-',
    met: turns ? turns.retainConversation.perSecond >= 5000 : null,
  });
  latency('postgres', 15);
  rate('postgres', 5000);
  for (const r of results) {
    checks.push({
      target: `${r.backend} ${r.size.toLocaleString('en-US')}: recall overhead over raw queries ≤ 1.5× (p50)`,
      measured: `${r.recall.overheadP50.toFixed(2)}× (p95 ${r.recall.overheadP95.toFixed(2)}×)`,
      met: r.recall.overheadP50 <= 1.5,
    });
  }
  // A bulk import must leave the event loop free for the rest of the application (issue 20).
  for (const r of results) {
    const longest = Math.max(r.load.longestBlockMs, r.retainManyDefault.longestBlockMs);
    checks.push({
      target: `${r.backend} ${r.size.toLocaleString('en-US')}: event loop blocked ≤ 50 ms at once by retainMany`,
      measured: `${formatNumber(longest, 0)} ms`,
      met: longest <= 50,
    });
  }
  // Issue 20's goals at a million memories per bank: search speed and accuracy, and the client's memory.
  for (const [backend, limit] of [
    ['sqlite', 10],
    ['postgres', 15],
  ] as const) {
    const r = at(backend, 1_000_000);
    checks.push(
      {
        target: `${backend}: recall p95 ≤ ${limit} ms at 1M`,
        measured: r ? recallP95(r) : '-',
        met: r ? r.recall.ours.p95 <= limit : null,
      },
      {
        target: `${backend}: vector recall@10 ≥ 0.95 against an exact scan at 1M`,
        measured: r ? r.accuracy.vectorRecallAt10.toFixed(3) : '-',
        met: r ? r.accuracy.vectorRecallAt10 >= 0.95 : null,
      },
      {
        target: `${backend}: client peak memory ≤ 1 GB at 1M`,
        measured: r ? `${formatNumber(r.memory.peakRssMb, 0)} MB` : '-',
        met: r ? r.memory.peakRssMb <= 1024 : null,
      },
    );
  }
  const memory = at('sqlite', 100_000);
  checks.push({
    target: 'sqlite: peak memory ≤ 300 MB at 100k',
    measured: memory ? `${formatNumber(memory.memory.peakRssMb, 0)} MB` : '-',
    met: memory ? memory.memory.peakRssMb <= 300 : null,
  });
  return checks;
}

// The p95 the target reads, our recalls alone, and beside the raw engine's scans, which empty the caches between them.
function recallP95(r: SpeedCaseResult): string {
  return `${formatNumber(r.recall.ours.p95)} ms (beside the raw queries ${formatNumber(r.recall.oursBesideRaw.p95)} ms)`;
}
