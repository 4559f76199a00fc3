import { choiceList, intFlag, postgresUrl, readFlags } from '../lib/args.js';
import { postgresReachable } from '../lib/backends.js';
import { LocalEmbeddingServer } from '../lib/local-embedding-server.js';
import { loadAverage } from '../lib/machine.js';
import { writeResults } from '../lib/results.js';
import { printTable } from '../lib/table.js';
import { printQualityGoals, printSpeedGoals } from './peer-goals.js';
import { loadQualitySet, measureQuality } from './peer-quality.js';
import { measureSpeed } from './peer-speed.js';
import type { PeerEnvironment } from './peer-system.js';
import { closePeerSystems, openPeerSystems, SYSTEM_NAMES } from './peer-systems.js';

const USAGE = `Peers side by side, same run, same data, same vectors: Astrocyte on SQLite and on Postgres, mem0's open-source
Memory (mem0ai/oss, infer: false) on the same Postgres, and Mastra memory on an embedded libsql file. Every system
embeds through the same local OpenAI-compatible endpoint, which serves Astrocyte's local-embedder vectors.
  --size 2000        memories ingested into each system
  --batch 100        memories per batch call (retainMany, add with many messages, saveMessages)
  --single 100       timed single writes per system after the ingest
  --queries 200      timed searches per system (10 results each)
  --quality SET      instead of speed: evidence recall@10 on a dev set (synthetic, paraphrase, realmem, or the path of
                     a LoCoMo-format file, read from the directory the command was typed in)
  --conversations 10 --seed 42   the generated dev sets' size and seed, as in bench:quality
  --systems ${SYSTEM_NAMES.join(',')}
  --postgres URL`;

const flags = readFlags({
  size: 'string',
  batch: 'string',
  single: 'string',
  queries: 'string',
  quality: 'string',
  conversations: 'string',
  seed: 'string',
  systems: 'string',
  postgres: 'string',
  help: 'boolean',
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const LIMIT = 10;
const batch = intFlag(flags.batch, 100, 'batch');
const names = choiceList(flags.systems, SYSTEM_NAMES, [...SYSTEM_NAMES], 'systems');
const url = postgresUrl(flags);
if (!(await postgresReachable(url)))
  throw new Error(`Postgres is not reachable at ${url}; the peer benchmark needs it`);

const log = (line: string) => process.stdout.write(`${line}\n`);
const loadAtStart = loadAverage();
const server = await LocalEmbeddingServer.start();
const env: PeerEnvironment = {
  postgresUrl: url,
  embeddingBaseURL: server.baseURL,
  embeddingModel: 'local-hash-v1',
  dimensions: 384,
};
try {
  if (typeof flags.quality === 'string') await runQuality(flags.quality);
  else await runSpeed();
  if (server.unexpectedRequests.length > 0) {
    throw new Error(`a system called an LLM or another endpoint: ${server.unexpectedRequests.join(', ')}`);
  }
  log(
    `\nEmbedding requests served: ${server.embeddingRequests.toLocaleString('en-US')} (${server.embeddedTexts.toLocaleString('en-US')} texts); LLM calls: 0. ` +
      `Load average (1, 5, 15 min) at start: ${loadAtStart.join(', ')}; at end: ${loadAverage().join(', ')}.`,
  );
} finally {
  await server.close();
}

async function runSpeed(): Promise<void> {
  const options = {
    size: intFlag(flags.size, 2000, 'size'),
    batch,
    singles: intFlag(flags.single, 100, 'single'),
    queries: intFlag(flags.queries, 200, 'queries'),
    limit: LIMIT,
  };
  const systems = await openPeerSystems(names, env);
  let results: Awaited<ReturnType<typeof measureSpeed>>;
  try {
    results = await measureSpeed(systems, options, log);
  } finally {
    await closePeerSystems(systems);
  }
  printTable(
    `Peers, ${options.size.toLocaleString('en-US')} memories each, same vectors over the same HTTP endpoint`,
    [
      { header: 'system', align: 'left' },
      { header: 'ingest /s', digits: 0 },
      { header: 'single add p50 ms' },
      { header: 'single add p95 ms' },
      { header: 'search p50 ms' },
      { header: 'search p95 ms' },
    ],
    results.map((r) => [r.label, r.ingestPerSecond, r.singleAdd.p50, r.singleAdd.p95, r.search.p50, r.search.p95]),
  );
  printSpeedGoals(results);
  log(
    `\nIngest in batches of ${batch}; ${options.singles} single writes and ${options.queries} searches (${LIMIT} results) per system, interleaved. ` +
      "Astrocyte recall is hybrid (vector and keyword, fused); mem0's search re-scores vector candidates with BM25; Mastra's recall is a vector search.",
  );
  writeResults('peer', { ...options, systems: names, embeddingRequests: server.embeddingRequests, results });
}

async function runQuality(setName: string): Promise<void> {
  const set = loadQualitySet(setName, {
    conversations: intFlag(flags.conversations, 10, 'conversations'),
    seed: intFlag(flags.seed, 42, 'seed'),
  });
  log(`${set.dataset}: ${set.samples.length} conversations; each into fresh storage in every system.`);
  const results = await measureQuality(set, names, env, { batch, limit: LIMIT }, log);
  printTable(
    `Evidence recall@${LIMIT}, ${set.dataset}, the same turns in every system`,
    [
      { header: 'system', align: 'left' },
      { header: 'questions', digits: 0 },
      { header: `R@${LIMIT}`, digits: 3 },
      { header: `searches with < ${LIMIT} results`, digits: 0 },
    ],
    results.map((r) => [r.label, r.questions, r.recall, r.shortLists]),
  );
  printQualityGoals(results);
  log(
    '\nA batch call per session: Astrocyte retainConversation (speaker as a field), mem0 add and Mastra saveMessages ' +
      "(speaker as a 'speaker: ' prefix: they have no such field). No system gets the session dates.",
  );
  writeResults('peer-quality', { dataset: set.dataset, systems: names, limit: LIMIT, results });
}
