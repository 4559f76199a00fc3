import { expect } from 'vitest';
import type { RecordedPoint, RecordedSpan } from './telemetry-recorder.js';

/** The one span named `name`; fails unless there is exactly one. */
export function oneSpan(spans: RecordedSpan[], name: string): RecordedSpan {
  const named = spans.filter((span) => span.name === name);
  expect(
    named.map((span) => span.name),
    `spans named ${name}`,
  ).toEqual([name]);
  return named[0] as RecordedSpan;
}

/** The names of the direct children of `parent`, sorted. */
export function childNames(spans: RecordedSpan[], parent: RecordedSpan): string[] {
  return spans
    .filter((span) => span.parentSpanId === parent.spanId)
    .map((span) => span.name)
    .sort();
}

/** Checks that the spans form one trace whose root is `root`: every other span descends from it. */
export function expectOneTree(spans: RecordedSpan[], root: RecordedSpan): void {
  expect(root.parentSpanId).toBeUndefined();
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of spans) {
    expect(span.traceId, `${span.name} is in the operation's trace`).toBe(root.traceId);
    if (span !== root) expect(ids.has(span.parentSpanId as string), `${span.name} has its parent recorded`).toBe(true);
  }
}

/** The sum of the points of metric `name` whose attributes include `attributes`. */
export function metricSum(points: RecordedPoint[], name: string, attributes: Record<string, string>): number {
  return points
    .filter((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + p.value, 0);
}

/** How many values the histogram `name` recorded under points whose attributes include `attributes`. */
export function histogramCount(points: RecordedPoint[], name: string, attributes: Record<string, string>): number {
  return points
    .filter((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + (p.count ?? 0), 0);
}
