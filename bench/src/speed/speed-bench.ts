import { fileURLToPath } from 'node:url';
import { choiceList, intFlag, intList, postgresUrl, readFlags } from '../lib/args.js';
import { BACKENDS, type BackendName, postgresReachable } from '../lib/backends.js';
import { runInChild } from '../lib/child-process.js';
import { writeResults } from '../lib/results.js';
import { printTable } from '../lib/table.js';
import type { SpeedCaseOptions, SpeedCaseResult } from './speed-case.js';
import { speedTargets } from './speed-targets.js';

const USAGE = `Speed and scale: retain rate, recall latency against raw engine queries, vector recall@10 against an
exact scan, planted near-duplicates caught, peak memory.
  --sizes 1000,10000[,100000]   bank sizes (default 1000,10000)
  --backends sqlite,postgres    (default both; Postgres is skipped with a notice when unreachable)
  --queries 300                 timed recalls per case, back to back (after a warm-up)
  --raw-queries 300             recalls timed again interleaved with the raw engines' queries, and the accuracy
                                check's queries (at most 100); their exact scans take seconds each at 1,000,000
                                memories (default: --queries)
  --batch 1000                  memories per retainMany call while loading
  --single 200                  timed single retains per case
  --max-results 10              results per recall
  --bulk-near-dedup             load with the near-duplicate check on (slow on SQLite at 100k; see docs)
  --postgres URL                default $ASTROCYTE_BENCH_POSTGRES_URL, $DATABASE_URL or postgres://postgres@127.0.0.1:5432/test`;

const flags = readFlags({
  sizes: 'string',
  backends: 'string',
  queries: 'string',
  'raw-queries': 'string',
  batch: 'string',
  single: 'string',
  'max-results': 'string',
  'bulk-near-dedup': 'boolean',
  postgres: 'string',
  help: 'boolean',
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const sizes = intList(flags.sizes, [1000, 10_000], 'sizes');
const url = postgresUrl(flags);
let backends: BackendName[] = choiceList(flags.backends, BACKENDS, [...BACKENDS], 'backends');
if (backends.includes('postgres') && !(await postgresReachable(url))) {
  process.stderr.write(`\n!! Postgres is not reachable at ${url}; skipping the Postgres cases.\n`);
  backends = backends.filter((b) => b !== 'postgres');
}

const caseModule = fileURLToPath(new URL('./speed-case-process.ts', import.meta.url));
const results: SpeedCaseResult[] = [];
for (const backend of backends) {
  for (const size of sizes) {
    const options: SpeedCaseOptions = {
      backend,
      size,
      postgresUrl: url,
      batchSize: intFlag(flags.batch, 1000, 'batch'),
      queries: intFlag(flags.queries, 300, 'queries'),
      rawQueries: intFlag(flags['raw-queries'], intFlag(flags.queries, 300, 'queries'), 'raw-queries'),
      singleRetains: intFlag(flags.single, 200, 'single'),
      maxResults: intFlag(flags['max-results'], 10, 'max-results'),
      bulkNearDedup: flags['bulk-near-dedup'] === true,
    };
    process.stdout.write(`- ${backend}, ${size.toLocaleString('en-US')} memories ... `);
    const result = await runInChild<SpeedCaseResult>(caseModule, options);
    process.stdout.write(
      `loaded at ${Math.round(result.load.memoriesPerSecond).toLocaleString('en-US')}/s, recall p95 ${result.recall.ours.p95.toFixed(2)} ms, vector recall@10 ${result.accuracy.vectorRecallAt10.toFixed(3)}\n`,
    );
    results.push(result);
  }
}

const label = (r: SpeedCaseResult) => [r.backend, r.size.toLocaleString('en-US')];
const bulkLabel = results[0]?.load.nearDedup ? 'near-dup check on' : 'near-dup check off';
printTable(
  `Writes, memories/s (local embedder). Bulk load: retainMany batches of ${results[0]?.load.batchSize ?? '-'}, ${bulkLabel}. Default pipeline into the loaded bank: one retainMany batch, ${(results[0]?.retainConversation.turns ?? 0).toLocaleString('en-US')} conversation turns (retainConversation, sessions of 20), the first retain (it builds the near-duplicate index), then single retains. Longest event-loop block: the longest the loop was blocked at once, to within 5 ms.`,
  [
    { header: 'backend', align: 'left' },
    { header: 'memories' },
    { header: 'bulk load /s', digits: 0 },
    { header: 'bulk, last 10% /s', digits: 0 },
    { header: 'bulk longest block ms', digits: 0 },
    { header: 'retainMany /s (default)', digits: 0 },
    { header: 'its longest block ms', digits: 0 },
    { header: 'turns /s (default)', digits: 0 },
    { header: 'first retain ms', digits: 0 },
    { header: 'retain p50 ms' },
    { header: 'retain p95 ms' },
    { header: 'retain /s', digits: 0 },
  ],
  results.map((r) => [
    ...label(r),
    r.load.memoriesPerSecond,
    r.load.lastTenthPerSecond,
    r.load.longestBlockMs,
    r.retainManyDefault.perSecond,
    r.retainManyDefault.longestBlockMs,
    r.retainConversation.perSecond,
    r.singleRetain.firstMs,
    r.singleRetain.latency.p50,
    r.singleRetain.latency.p95,
    r.singleRetain.perSecond,
  ]),
);
printTable(
  'Recall latency, ms: ours (brain.recall, maxResults 10) alone, then interleaved with the same raw engine queries',
  [
    { header: 'backend', align: 'left' },
    { header: 'memories' },
    { header: 'ours p50' },
    { header: 'ours p95' },
    { header: 'ours p99' },
    { header: 'beside raw p50' },
    { header: 'beside raw p95' },
    { header: 'raw p50' },
    { header: 'raw p95' },
    { header: 'raw p99' },
    { header: 'overhead p50', digits: 2 },
    { header: 'overhead p95', digits: 2 },
    { header: 'raw vector p50' },
    { header: 'raw keyword p50' },
    { header: 'embed p50', digits: 3 },
  ],
  results.map((r) => [
    ...label(r),
    r.recall.ours.p50,
    r.recall.ours.p95,
    r.recall.ours.p99,
    r.recall.oursBesideRaw.p50,
    r.recall.oursBesideRaw.p95,
    r.recall.rawHybrid.p50,
    r.recall.rawHybrid.p95,
    r.recall.rawHybrid.p99,
    `${r.recall.overheadP50.toFixed(2)}×`,
    `${r.recall.overheadP95.toFixed(2)}×`,
    r.recall.rawVector.p50,
    r.recall.rawKeyword.p50,
    r.recall.queryEmbedding.p50,
  ]),
);
printTable(
  `Search accuracy on the loaded bank: the store's vector search against an exact scan (${results[0]?.accuracy.queries ?? '-'} queries), and near-duplicates planted at cosine 0.9502 to 0.97 (threshold 0.95)`,
  [
    { header: 'backend', align: 'left' },
    { header: 'memories' },
    { header: 'vector recall@10', digits: 3 },
    { header: 'near-dups caught', align: 'right' },
  ],
  results.map((r) => [
    ...label(r),
    r.accuracy.vectorRecallAt10,
    `${r.accuracy.nearDuplicatesCaught}/${r.accuracy.nearDuplicatesPlanted}`,
  ]),
);
printTable(
  'Memory (client process; for Postgres the server is not counted)',
  [
    { header: 'backend', align: 'left' },
    { header: 'memories' },
    { header: 'peak RSS MB (load + recall)', digits: 0 },
    { header: 'RSS after load MB', digits: 0 },
    { header: 'peak RSS MB (with raw baseline)', digits: 0 },
  ],
  results.map((r) => [...label(r), r.memory.peakRssMb, r.memory.rssAfterLoadMb, r.memory.processPeakRssMb]),
);
const targets = speedTargets(results);
printTable(
  'Targets',
  [
    { header: 'target', align: 'left' },
    { header: 'measured', align: 'right' },
    { header: 'met', align: 'left' },
  ],
  targets.map((t) => [t.target, t.measured, t.met === null ? 'n/a (size not run)' : t.met ? 'yes' : 'NO']),
);
writeResults('speed', { options: { sizes, backends, postgres: backends.includes('postgres') }, results, targets });
