import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  choiceList,
  fractionFlag,
  intFlag,
  intList,
  postgresUrl,
  readFlags,
  stringList,
  userPath,
} from '../lib/args.js';
import { BACKENDS, openBenchBrain, postgresReachable } from '../lib/backends.js';
import { loadAverage } from '../lib/machine.js';
import { writeResults } from '../lib/results.js';
import { printTable } from '../lib/table.js';
import { type LocomoSample, parseLocomo } from './locomo-format.js';
import { type CategoryScore, type LocomoReport, METHODS, type Method, runLocomoHarness } from './locomo-harness.js';
import { paraphraseLocomo } from './paraphrase-locomo.js';
import { EMBEDDERS, type EmbedderChoice, openQualityEmbedder } from './quality-embedder.js';
import { syntheticLocomo } from './synthetic-locomo.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const REALMEM_FILE = join(REPO_ROOT, '..', 'shared', 'data', 'realmem', 'realmem.json');
const DEV_SETS = ['synthetic', 'paraphrase', 'realmem'] as const;
type DevSet = (typeof DEV_SETS)[number];

const USAGE = `Retrieval quality: evidence recall@k of the default recall beside keyword alone and vector alone, and the
default recall's latency. With no flags, every dev set: synthetic, paraphrase and RealMem (when
${relative(REPO_ROOT, REALMEM_FILE)} exists).
  --sets synthetic,paraphrase,realmem   the dev sets to run (default: all, or none when --file is given)
  --file PATH          a LoCoMo-format JSON file, e.g. the public locomo10.json (download it yourself; it is licensed
                       for non-commercial use and is never committed); repeatable or comma-separated; a relative
                       path is read from the directory the command was typed in
  --conversations 10   conversations of each synthetic set
  --seed 42            seed of the synthetic sets (the same seed gives both sets the same conversations)
  --backend sqlite     sqlite or postgres
  --embedder local     local (the default brain's lexical embedder), sentence-encoder (a neural model run in this
                       process, no network: Universal Sentence Encoder lite; vectors cached in bench/data/), or
                       openai (your model: OPENAI_API_KEY, OPENAI_BASE_URL for a compatible server, with
                       --embedding-model NAME and --dimensions N)
  --vector-weight W    recall.vector_weight for the default recall (default: the library's for the embedder)
  --ks 1,5,10,20
  --postgres URL`;

const flags = readFlags({
  sets: 'string',
  file: 'list',
  conversations: 'string',
  seed: 'string',
  backend: 'string',
  ks: 'string',
  postgres: 'string',
  embedder: 'string',
  'embedding-model': 'string',
  dimensions: 'string',
  'vector-weight': 'string',
  help: 'boolean',
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

/** One set to measure: how the summary names it, what the results file is called, and how to read it. */
interface SetRun {
  name: string;
  dataset: string;
  resultsName: string;
  load(): LocomoSample[];
}

const files = stringList(flags.file).map((given) => {
  const path = userPath(given);
  if (!existsSync(path)) throw new Error(`--file ${given}: no such file (looked for ${path})`);
  return path;
});
const devSets = choiceList(flags.sets, DEV_SETS, files.length > 0 ? [] : [...DEV_SETS], 'sets');
const synthetic = {
  conversations: intFlag(flags.conversations, 10, 'conversations'),
  seed: intFlag(flags.seed, 42, 'seed'),
};
const [backend] = choiceList(flags.backend, BACKENDS, ['sqlite'], 'backend');
const ks = intList(flags.ks, [1, 5, 10, 20], 'ks');
const [embedderChoice] = choiceList(flags.embedder, EMBEDDERS, ['local'], 'embedder');
const vectorWeight = fractionFlag(flags['vector-weight'], 'vector-weight');
const url = postgresUrl(flags);
if (backend === 'postgres' && !(await postgresReachable(url))) throw new Error(`Postgres is not reachable at ${url}`);

const readLocomoFile = (path: string) => parseLocomo(JSON.parse(readFileSync(path, 'utf8')), path);
const devSetRun: Record<DevSet, () => SetRun | null> = {
  synthetic: () => ({
    name: 'synthetic',
    dataset: `synthetic set (seed ${synthetic.seed}, ${synthetic.conversations} conversations)`,
    resultsName: 'quality-synthetic',
    load: () => syntheticLocomo(synthetic),
  }),
  paraphrase: () => ({
    name: 'paraphrase',
    dataset: `paraphrase set (seed ${synthetic.seed}, ${synthetic.conversations} conversations)`,
    resultsName: 'quality-paraphrase',
    load: () => paraphraseLocomo(synthetic),
  }),
  realmem: () => {
    if (!existsSync(REALMEM_FILE)) {
      process.stdout.write(`RealMem skipped: ${REALMEM_FILE} does not exist.\n`);
      return null;
    }
    return {
      name: 'realmem',
      dataset: `RealMem (${relative(REPO_ROOT, REALMEM_FILE)})`,
      resultsName: 'quality-realmem',
      load: () => readLocomoFile(REALMEM_FILE),
    };
  },
};
const runs: SetRun[] = [
  ...devSets.map((set) => devSetRun[set]()).filter((run): run is SetRun => run !== null),
  ...files.map((path) => ({
    name: basename(path),
    dataset: `LoCoMo file ${path}`,
    resultsName: 'quality-locomo',
    load: () => readLocomoFile(path),
  })),
];

const quality = await openQualityEmbedder(embedderChoice as EmbedderChoice, {
  model: typeof flags['embedding-model'] === 'string' ? flags['embedding-model'] : undefined,
  dimensions: typeof flags.dimensions === 'string' ? intFlag(flags.dimensions, 0, 'dimensions') : undefined,
});
const loadAtStart = loadAverage();
process.stdout.write(
  `Sets: ${runs.map((r) => r.name).join(', ') || 'none'}; backend ${backend}; ${quality.label}` +
    `${vectorWeight === undefined ? '' : `, vector weight ${vectorWeight}`}. ` +
    `Load average (1, 5, 15 min) at start: ${loadAtStart.join(', ')}\n`,
);

const METHOD_LABELS: Record<Method, string> = {
  default: 'default (ours)',
  keyword: 'keyword only',
  vector: 'vector only',
};
const measured: { run: SetRun; report: LocomoReport }[] = [];
for (const run of runs) {
  const samples = run.load();
  process.stdout.write(`\n${run.dataset}: ${samples.length} conversations\n`);
  const opened = await openBenchBrain(backend as 'sqlite' | 'postgres', {
    postgresUrl: url,
    ...(quality.embedder ? { embedder: quality.embedder } : {}),
    ...(vectorWeight === undefined ? {} : { vectorWeight }),
  });
  let report: LocomoReport;
  try {
    report = await runLocomoHarness(samples, {
      brain: opened.brain,
      ks,
      onConversation: (i, n) => process.stdout.write(`\r  conversation ${i}/${n}`),
    });
  } finally {
    await opened.dispose();
  }
  process.stdout.write('\n');
  printReport(run, report);
  measured.push({ run, report });
}

await quality.close();
const loadAtEnd = loadAverage();
const summaryWanted = ks.filter((k) => [5, 10, 20].includes(k));
const summaryKs = summaryWanted.length > 0 ? summaryWanted : ks;
printTable(
  `Summary: overall evidence recall@k per set and method (${backend})`,
  [
    { header: 'set', align: 'left' },
    { header: 'method', align: 'left' },
    ...summaryKs.map((k) => ({ header: `R@${k}`, digits: 3 })),
    { header: 'recall p50 ms', digits: 2 },
    { header: 'recall p95 ms', digits: 2 },
  ],
  measured.flatMap(({ run, report }) =>
    METHODS.map((method) => [
      method === 'default' ? run.name : '',
      METHOD_LABELS[method],
      ...summaryKs.map((k) => report.overall.recall[method][k] as number),
      method === 'default' ? report.recallLatency.p50 : '',
      method === 'default' ? report.recallLatency.p95 : '',
    ]),
  ),
);
process.stdout.write(
  `\nLoad average (1, 5, 15 min) at start: ${loadAtStart.join(', ')}; at end: ${loadAtEnd.join(', ')}\n`,
);
for (const { run, report } of measured) {
  writeResults(run.resultsName, {
    dataset: run.dataset,
    backend,
    embedder: quality.label,
    vectorWeight: vectorWeight ?? 'default',
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    report,
  });
}

/** Prints one set's recall by category and method, and its default recall's latency. */
function printReport(run: SetRun, report: LocomoReport): void {
  const rows = (score: CategoryScore) =>
    METHODS.map((method) => [
      method === 'default' ? (score.category === 'all' ? 'all' : `${score.category} ${score.name}`) : '',
      method === 'default' ? score.questions : '',
      METHOD_LABELS[method],
      ...report.ks.map((k) => score.recall[method][k] as number),
    ]);
  printTable(
    `Evidence recall@k, ${run.dataset} (${report.turns.toLocaleString('en-US')} turns, ${report.overall.questions} questions, ${backend})`,
    [
      { header: 'category', align: 'left' },
      { header: 'questions', digits: 0 },
      { header: 'method', align: 'left' },
      ...report.ks.map((k) => ({ header: `R@${k}`, digits: 3 })),
    ],
    [...report.byCategory, report.overall].flatMap(rows),
  );
  const latency = report.recallLatency;
  process.stdout.write(
    `\nDefault recall latency over ${latency.count.toLocaleString('en-US')} calls: p50 ${latency.p50.toFixed(2)} ms, p95 ${latency.p95.toFixed(2)} ms.\n` +
      `${report.storedTurns.toLocaleString('en-US')} of ${report.turns.toLocaleString('en-US')} turns stored as their own memory (the rest were identical or near-identical to an earlier turn and deduplicated onto it); ` +
      `${report.unknownEvidence} evidence ids name no turn. Retain ${report.seconds.retain.toFixed(1)} s, search ${report.seconds.search.toFixed(1)} s.\n`,
  );
  const calibration = report.calibration;
  if (calibration) {
    const shown = (q: number[]) => q.map((x) => x.toFixed(3)).join(' / ');
    process.stdout.write(
      `Best score of the default recall, p10 / p50 / p90: ${shown(calibration.own)} asked of the question's own conversation, ` +
        `${shown(calibration.other)} asked of the previous conversation; AUC ${calibration.auc.toFixed(3)} (the chance that the first beats the second).\n`,
    );
  }
}
