import { printTable } from '../lib/table.js';
import type { QualityResult } from './peer-quality.js';
import type { SpeedResult } from './peer-speed.js';
import { OUR_SYSTEMS, type SystemName } from './peer-systems.js';

/** One goal of issue 20: Astrocyte's measure against a peer's, at least `factor` times better. */
interface Goal<R> {
  goal: string;
  peer: SystemName;
  measure: (result: R) => number;
  unit: string;
  higherIsBetter: boolean;
  factor: number;
}

const SPEED_GOALS: Goal<SpeedResult>[] = [
  {
    goal: 'ingest ≥ 3× mem0',
    peer: 'mem0',
    measure: (r) => r.ingestPerSecond,
    unit: '/s',
    higherIsBetter: true,
    factor: 3,
  },
  {
    goal: 'search p95 ≤ mem0 ÷ 3',
    peer: 'mem0',
    measure: (r) => r.search.p95,
    unit: ' ms',
    higherIsBetter: false,
    factor: 3,
  },
  {
    goal: 'single write p50 ≤ mem0 single add',
    peer: 'mem0',
    measure: (r) => r.singleAdd.p50,
    unit: ' ms',
    higherIsBetter: false,
    factor: 1,
  },
  {
    goal: 'ingest ahead of Mastra',
    peer: 'mastra',
    measure: (r) => r.ingestPerSecond,
    unit: '/s',
    higherIsBetter: true,
    factor: 1,
  },
  {
    goal: 'single write p50 ahead of Mastra',
    peer: 'mastra',
    measure: (r) => r.singleAdd.p50,
    unit: ' ms',
    higherIsBetter: false,
    factor: 1,
  },
  {
    goal: 'search p95 ahead of Mastra',
    peer: 'mastra',
    measure: (r) => r.search.p95,
    unit: ' ms',
    higherIsBetter: false,
    factor: 1,
  },
];

const QUALITY_GOALS: Goal<QualityResult>[] = [
  { goal: 'recall@10 ≥ mem0', peer: 'mem0', measure: (r) => r.recall, unit: '', higherIsBetter: true, factor: 1 },
  { goal: 'recall@10 ≥ Mastra', peer: 'mastra', measure: (r) => r.recall, unit: '', higherIsBetter: true, factor: 1 },
];

/** Prints the speed goals beside the measurements, for each Astrocyte backend measured. */
export function printSpeedGoals(results: SpeedResult[]): void {
  printGoals(SPEED_GOALS, results);
}

/** Prints the recall goal beside the measurements. */
export function printQualityGoals(results: QualityResult[]): void {
  printGoals(QUALITY_GOALS, results);
}

function printGoals<R extends { name: SystemName; label: string }>(goals: Goal<R>[], results: R[]): void {
  const ours = results.filter((r) => OUR_SYSTEMS.includes(r.name));
  const byName = new Map(results.map((r) => [r.name, r]));
  const applicable = goals.filter((g) => byName.has(g.peer));
  if (ours.length === 0 || applicable.length === 0) return;
  const digits = (unit: string) => (unit === '/s' ? 0 : unit === '' ? 3 : 2);
  const cell = (g: Goal<R>, own: R) => {
    const mine = g.measure(own);
    const theirs = g.measure(byName.get(g.peer) as R);
    const times = g.higherIsBetter ? mine / theirs : theirs / mine;
    const show = (x: number) => `${x.toFixed(digits(g.unit))}${g.unit}`;
    return `${show(mine)} vs ${show(theirs)}: ${times.toFixed(2)}× ${times >= g.factor ? 'met' : 'missed'}`;
  };
  printTable(
    'Goals (issue 20): ours vs the peer, how many times better, met or missed',
    [{ header: 'goal', align: 'left' }, ...ours.map((r) => ({ header: r.label, align: 'left' as const }))],
    applicable.map((g) => [g.goal, ...ours.map((own) => cell(g, own))]),
  );
}
