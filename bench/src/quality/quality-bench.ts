import { readFileSync } from 'node:fs';
import { choiceList, intFlag, intList, postgresUrl, readFlags } from '../lib/args.js';
import { BACKENDS, openBenchBrain, postgresReachable } from '../lib/backends.js';
import { writeResults } from '../lib/results.js';
import { printTable } from '../lib/table.js';
import { parseLocomo } from './locomo-format.js';
import { type CategoryScore, type LocomoReport, METHODS, runLocomoHarness } from './locomo-harness.js';
import { syntheticLocomo } from './synthetic-locomo.js';

const USAGE = `Retrieval quality: evidence recall@k on a LoCoMo-format file, hybrid recall against keyword-only.
  --file PATH          a LoCoMo-format JSON file, e.g. the public locomo10.json (download it yourself; it is
                       licensed for non-commercial use and is never committed). Without --file, a synthetic set.
  --conversations 10   synthetic conversations (without --file)
  --seed 42            synthetic seed
  --backend sqlite     sqlite or postgres
  --ks 1,5,10,20
  --postgres URL`;

const flags = readFlags({
  file: 'string',
  conversations: 'string',
  seed: 'string',
  backend: 'string',
  ks: 'string',
  postgres: 'string',
  help: 'boolean',
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const file = typeof flags.file === 'string' ? flags.file : null;
const samples = file
  ? parseLocomo(JSON.parse(readFileSync(file, 'utf8')), file)
  : syntheticLocomo({
      conversations: intFlag(flags.conversations, 10, 'conversations'),
      seed: intFlag(flags.seed, 42, 'seed'),
    });
const dataset = file ? `LoCoMo file ${file}` : 'synthetic LoCoMo-format set';
const [backend] = choiceList(flags.backend, BACKENDS, ['sqlite'], 'backend');
const url = postgresUrl(flags);
if (backend === 'postgres' && !(await postgresReachable(url))) throw new Error(`Postgres is not reachable at ${url}`);

process.stdout.write(`Dataset: ${dataset}, ${samples.length} conversations; backend ${backend}; local embedder\n`);
const opened = await openBenchBrain(backend as 'sqlite' | 'postgres', { postgresUrl: url });
let report: LocomoReport;
try {
  report = await runLocomoHarness(samples, {
    brain: opened.brain,
    ks: intList(flags.ks, [1, 5, 10, 20], 'ks'),
    onConversation: (i, n) => process.stdout.write(`\r  conversation ${i}/${n}`),
  });
} finally {
  await opened.dispose();
}
process.stdout.write('\n');

const rows = (score: CategoryScore) =>
  METHODS.map((method) => [
    method === 'hybrid' ? (score.category === 'all' ? 'all' : `${score.category} ${score.name}`) : '',
    method === 'hybrid' ? score.questions : '',
    method === 'hybrid' ? 'hybrid (ours)' : `${method} only`,
    ...report.ks.map((k) => score.recall[method][k] as number),
  ]);
printTable(
  `Evidence recall@k, ${dataset} (${report.turns.toLocaleString('en-US')} turns, ${report.overall.questions} questions, ${backend})`,
  [
    { header: 'category', align: 'left' },
    { header: 'questions', digits: 0 },
    { header: 'method', align: 'left' },
    ...report.ks.map((k) => ({ header: `R@${k}`, digits: 3 })),
  ],
  [...report.byCategory, report.overall].flatMap(rows),
);
process.stdout.write(
  `\n${report.storedTurns.toLocaleString('en-US')} of ${report.turns.toLocaleString('en-US')} turns stored as their own memory (the rest were identical or near-identical to an earlier turn and deduplicated onto it); ` +
    `${report.unknownEvidence} evidence ids name no turn. Retain ${report.seconds.retain.toFixed(1)} s, search ${report.seconds.search.toFixed(1)} s.\n`,
);
writeResults(file ? 'quality-locomo' : 'quality-synthetic', { dataset, backend, report });
