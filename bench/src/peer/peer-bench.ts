import { createPostgresBrain } from '@astrocyte/brain-postgres';
import { Astrocyte } from '@astrocyte/core';
import { intFlag, postgresUrl, readFlags } from '../lib/args.js';
import { analyzeTable, dropSchema, postgresReachable, randomSuffix } from '../lib/backends.js';
import { memoryCorpus, queryCorpus } from '../lib/memory-corpus.js';
import { writeResults } from '../lib/results.js';
import { type LatencySummary, summarize } from '../lib/stats.js';
import { printTable } from '../lib/table.js';
import { now, sampleInterleaved } from '../lib/timing.js';
import { LocalEmbeddingServer } from './local-embedding-server.js';
import { openMem0Peer } from './mem0-peer.js';

const USAGE = `A peer side by side: mem0's open-source TypeScript Memory (mem0ai/oss, infer: false) and Astrocyte on the
same Postgres, with the same local-embedder vectors served from a local OpenAI-compatible endpoint.
  --size 2000      memories ingested by each system
  --batch 100      memories per add / retainMany call while ingesting
  --single 100     timed single adds / retains after ingest
  --queries 200    timed searches per system
  --postgres URL`;

const flags = readFlags({
  size: 'string',
  batch: 'string',
  single: 'string',
  queries: 'string',
  postgres: 'string',
  help: 'boolean',
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const size = intFlag(flags.size, 2000, 'size');
const batch = intFlag(flags.batch, 100, 'batch');
const singles = intFlag(flags.single, 100, 'single');
const queryCount = intFlag(flags.queries, 200, 'queries');
const url = postgresUrl(flags);
if (!(await postgresReachable(url)))
  throw new Error(`Postgres is not reachable at ${url}; the peer benchmark needs it`);

const DIMENSIONS = 384;
const corpus = memoryCorpus(size + singles * 3 + 100, 21);
const ingest = corpus.slice(0, size);
// Distinct queries, so that no query cache on either side answers a repeat.
const queries = [...new Set(queryCorpus(queryCount * 3, 23))].slice(0, queryCount + 50);
if (queries.length < queryCount + 50) throw new Error('not enough distinct queries; lower --queries');

interface SystemResult {
  system: string;
  /** One embedding request through the system's own HTTP client; absent for the in-process embedder. */
  embedRequest?: LatencySummary;
  ingestPerSecond: number;
  singleAdd: LatencySummary;
  search: LatencySummary;
}

const server = await LocalEmbeddingServer.start(DIMENSIONS);
const mem0 = await openMem0Peer(url, server.baseURL, DIMENSIONS);
const httpSchema = `bench_${randomSuffix()}`;
const localSchema = `bench_${randomSuffix()}`;
const oursHttp = await Astrocyte.fromConfigObject({
  storage: { backend: 'postgres', postgres: { url, schema: httpSchema } },
  embedding: {
    provider: 'openai',
    model: 'local-hash-v1',
    dimensions: DIMENSIONS,
    base_url: server.baseURL,
    api_key: 'not-used',
  },
});
const oursLocal = await createPostgresBrain({ connectionString: url, schema: localSchema });
const bankId = `bench-${randomSuffix()}`;

try {
  // Ingest, system after system, the same memories in the same batches.
  const ingestRate = async (write: (items: string[]) => Promise<unknown>) => {
    const start = now();
    for (let i = 0; i < ingest.length; i += batch) await write(ingest.slice(i, i + batch));
    return ingest.length / ((now() - start) / 1000);
  };
  process.stdout.write(`Ingesting ${size.toLocaleString('en-US')} memories into each system ...\n`);
  const mem0Ingest = await ingestRate((items) =>
    mem0.memory.add(
      items.map((content) => ({ role: 'user', content })),
      { userId: mem0.userId, infer: false },
    ),
  );
  const httpIngest = await ingestRate((items) =>
    oursHttp.retainMany(
      items.map((content) => ({ content })),
      { bankId },
    ),
  );
  const localIngest = await ingestRate((items) =>
    oursLocal.retainMany(
      items.map((content) => ({ content })),
      { bankId },
    ),
  );

  // As autovacuum would after a bulk load; until then the planner may pass over the HNSW indexes.
  await Promise.all([analyzeTable(url, httpSchema), analyzeTable(url, localSchema), mem0.analyze()]);

  // Single writes, then searches, rotating between the systems call by call.
  const extra = (offset: number) => corpus.slice(size + offset * (singles + 40), size + (offset + 1) * (singles + 40));
  const [mem0Extra, httpExtra, localExtra] = [extra(0), extra(1), extra(2)] as [string[], string[], string[]];
  process.stdout.write('Timing single writes and searches ...\n');
  const single = await sampleInterleaved(
    singles,
    {
      mem0: (i) =>
        mem0.memory.add([{ role: 'user', content: mem0Extra[i] as string }], { userId: mem0.userId, infer: false }),
      http: (i) => oursHttp.retain(httpExtra[i] as string, { bankId }),
      local: (i) => oursLocal.retain(localExtra[i] as string, { bankId }),
    },
    20,
  );
  const search = await sampleInterleaved(
    queryCount,
    {
      mem0: (i) => mem0.memory.search(queries[i] as string, { userId: mem0.userId, limit: 10 }),
      http: (i) => oursHttp.recall(queries[i] as string, { bankId, maxResults: 10 }),
      local: (i) => oursLocal.recall(queries[i] as string, { bankId, maxResults: 10 }),
    },
    50,
  );
  // One embedding request each way, to separate the HTTP client's cost from the search's.
  const peerEmbedder = (mem0.memory as unknown as { embedder: { embed(text: string): Promise<number[]> } }).embedder;
  const embedTexts = corpus.slice(0, queryCount + 50).map((text, i) => `${text} #${i}`);
  const embed = await sampleInterleaved(
    queryCount,
    {
      mem0: (i) => peerEmbedder.embed(embedTexts[i] as string),
      http: (i) => oursHttp.embedder.embed([embedTexts[i] as string], { purpose: 'document' }),
    },
    50,
  );
  // Check the peer really searched the data: the same query must find hits on both sides.
  const probe = queries[0] as string;
  const [peerHits, ourHits] = await Promise.all([
    mem0.memory.search(probe, { userId: mem0.userId, limit: 10 }),
    oursHttp.recall(probe, { bankId, maxResults: 10 }),
  ]);
  if (peerHits.results.length === 0 || ourHits.hits.length === 0)
    throw new Error('a system returned no hits; the comparison is void');
  if (server.unexpectedRequests.length > 0) {
    throw new Error(`a system called an LLM or another endpoint: ${server.unexpectedRequests.join(', ')}`);
  }

  const results: SystemResult[] = [
    {
      system: 'mem0ai/oss 2.4.6 (pgvector HNSW, infer: false)',
      embedRequest: summarize(embed.mem0),
      ingestPerSecond: mem0Ingest,
      singleAdd: summarize(single.mem0),
      search: summarize(search.mem0),
    },
    {
      system: 'Astrocyte, openai embedder on the same endpoint',
      embedRequest: summarize(embed.http),
      ingestPerSecond: httpIngest,
      singleAdd: summarize(single.http),
      search: summarize(search.http),
    },
    {
      system: 'Astrocyte, local embedder in process',
      ingestPerSecond: localIngest,
      singleAdd: summarize(single.local),
      search: summarize(search.local),
    },
  ];
  printTable(
    `mem0 and Astrocyte on the same Postgres, ${size.toLocaleString('en-US')} memories, same vectors`,
    [
      { header: 'system', align: 'left' },
      { header: 'ingest /s', digits: 0 },
      { header: 'single add p50 ms' },
      { header: 'single add p95 ms' },
      { header: 'search p50 ms' },
      { header: 'search p95 ms' },
      { header: 'search p99 ms' },
      { header: 'one embed request p50 ms' },
    ],
    results.map((r) => [
      r.system,
      r.ingestPerSecond,
      r.singleAdd.p50,
      r.singleAdd.p95,
      r.search.p50,
      r.search.p95,
      r.search.p99,
      r.embedRequest?.p50 ?? 'in process',
    ]),
  );
  process.stdout.write(
    `\nEmbedding requests served: ${server.embeddingRequests.toLocaleString('en-US')} (${server.embeddedTexts.toLocaleString('en-US')} texts); LLM calls: 0.\n` +
      'mem0 search is a vector search; Astrocyte recall is hybrid (vector and keyword, fused) and returns whole memories.\n',
  );
  writeResults('peer-mem0', {
    size,
    batch,
    singles,
    queries: queryCount,
    embeddingRequests: server.embeddingRequests,
    results,
  });
} finally {
  await Promise.allSettled([oursHttp.close(), oursLocal.close()]);
  await Promise.allSettled([dropSchema(url, httpSchema), dropSchema(url, localSchema), mem0.dispose()]);
  await server.close();
}
