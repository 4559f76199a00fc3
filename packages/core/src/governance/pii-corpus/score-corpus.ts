import type { PiiType } from '../../types.js';
import { detectPii, PII_TYPES, type PiiFinding } from '../pii-detectors.js';
import type { CorpusEntry } from './corpus-entry.js';

/** Counts and ratios for one PII type over a corpus. */
export interface TypeScore {
  type: PiiType;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

/** One disagreement between the labels and the detectors, for reports and test failures. */
export interface CorpusMiss {
  kind: 'missed' | 'spurious';
  type: PiiType;
  text: string;
  value: string;
}

/**
 * Scores the detectors on labelled texts. A labelled value counts as found only when a finding of the same type
 * covers all of it (a partial cover would leave part of the value behind after redaction).
 */
export function scoreCorpus(
  entries: CorpusEntry[],
  detect: (text: string) => PiiFinding[] = detectPii,
): { scores: TypeScore[]; misses: CorpusMiss[] } {
  const counts = new Map(PII_TYPES.map((type) => [type, { tp: 0, fp: 0, fn: 0 }]));
  const misses: CorpusMiss[] = [];
  for (const entry of entries) {
    const findings = detect(entry.text);
    const used = new Set<PiiFinding>();
    for (const label of entry.pii) {
      const start = entry.text.indexOf(label.value);
      if (start < 0) throw new Error(`corpus entry does not contain its labelled value: ${entry.text}`);
      const end = start + label.value.length;
      const hit = findings.find((f) => f.type === label.type && f.start <= start && f.end >= end && !used.has(f));
      const count = counts.get(label.type) as { tp: number; fp: number; fn: number };
      if (hit) {
        used.add(hit);
        count.tp++;
      } else {
        count.fn++;
        misses.push({ kind: 'missed', type: label.type, text: entry.text, value: label.value });
      }
    }
    for (const f of findings) {
      if (used.has(f)) continue;
      (counts.get(f.type) as { fp: number }).fp++;
      misses.push({ kind: 'spurious', type: f.type, text: entry.text, value: entry.text.slice(f.start, f.end) });
    }
  }
  const scores = PII_TYPES.map((type) => {
    const { tp, fp, fn } = counts.get(type) as { tp: number; fp: number; fn: number };
    return {
      type,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: tp + fp === 0 ? 1 : tp / (tp + fp),
      recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    };
  });
  return { scores, misses };
}
