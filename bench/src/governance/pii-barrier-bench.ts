import { performance } from 'node:perf_hooks';
import { detectPii } from '@astrocyte/core';
import { PII_CORPUS_NEGATIVES, PII_CORPUS_POSITIVES, scoreCorpus } from '@astrocyte/core/testing';
import { intFlag, readFlags } from '../lib/args.js';
import { writeResults } from '../lib/results.js';
import { printTable } from '../lib/table.js';

// Precision and recall of the PII barrier's detectors, per type, on the labelled corpus that ships with core
// (packages/core/src/governance/pii-corpus), and how fast detection runs. Usage: pnpm --filter @astrocyte/bench pii

const TARGET = 0.98;
const flags = readFlags({ rounds: 'string' });
const rounds = intFlag(flags.rounds, 200, 'rounds');

const entries = [...PII_CORPUS_POSITIVES, ...PII_CORPUS_NEGATIVES];
const { scores, misses } = scoreCorpus(entries);

printTable(
  `PII barrier on ${PII_CORPUS_POSITIVES.length} positive and ${PII_CORPUS_NEGATIVES.length} near-miss texts`,
  [
    { header: 'type', align: 'left' },
    { header: 'labelled', digits: 0 },
    { header: 'found', digits: 0 },
    { header: 'false positives', digits: 0 },
    { header: 'missed', digits: 0 },
    { header: 'precision', digits: 3 },
    { header: 'recall', digits: 3 },
  ],
  scores.map((s) => [
    s.type,
    s.truePositives + s.falseNegatives,
    s.truePositives,
    s.falsePositives,
    s.falseNegatives,
    s.precision,
    s.recall,
  ]),
);
for (const miss of misses)
  process.stdout.write(`  ${miss.kind} ${miss.type}: ${JSON.stringify(miss.value)} in ${JSON.stringify(miss.text)}\n`);

// Throughput: the whole corpus, `rounds` times, after a warm-up that compiles the regular expressions.
for (const entry of entries) detectPii(entry.text);
const chars = entries.reduce((n, e) => n + e.text.length, 0);
const started = performance.now();
for (let i = 0; i < rounds; i++) for (const entry of entries) detectPii(entry.text);
const seconds = (performance.now() - started) / 1000;
const textsPerSecond = (entries.length * rounds) / seconds;
const megabytesPerSecond = (chars * rounds) / seconds / 1e6;
printTable(
  'Detection speed (one thread)',
  [
    { header: 'texts', digits: 0 },
    { header: 'avg chars', digits: 0 },
    { header: 'texts/s', digits: 0 },
    { header: 'MB/s', digits: 2 },
  ],
  [[entries.length * rounds, chars / entries.length, textsPerSecond, megabytesPerSecond]],
);

const failing = scores.filter((s) => s.precision < TARGET || s.recall < TARGET).map((s) => s.type);
process.stdout.write(
  failing.length === 0
    ? `\nEvery type meets the target (precision and recall >= ${TARGET}).\n`
    : `\nBelow the ${TARGET} target: ${failing.join(', ')}\n`,
);
writeResults('pii-barrier', {
  corpus: { positives: PII_CORPUS_POSITIVES.length, negatives: PII_CORPUS_NEGATIVES.length },
  target: TARGET,
  scores,
  misses,
  speed: { rounds, textsPerSecond, megabytesPerSecond },
});
if (failing.length > 0) process.exitCode = 1;
