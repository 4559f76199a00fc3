import { postgresStoreOptionsSchema } from '@astrocyte/brain-postgres';
import { Astrocyte, LocalEmbedder, type RetainManyItem } from '@astrocyte/core';
import { searchTerms } from '@astrocyte/core/backend';
import { analyzeTable, type BackendName, openBenchBrain, randomSuffix, sqliteDatabase } from '../lib/backends.js';
import { withLongestBlock } from '../lib/event-loop.js';
import { peakRssMb, rssMb } from '../lib/machine.js';
import { MemoryTexts, queryCorpus } from '../lib/memory-corpus.js';
import { type LatencySummary, ratio, summarize } from '../lib/stats.js';
import { now, sampleInterleaved, sampleLatencies } from '../lib/timing.js';
import type { RawEngine } from './raw-engine.js';
import { rawHybrid } from './raw-engine.js';
import { RawPostgresEngine } from './raw-postgres-engine.js';
import { RawSqliteEngine } from './raw-sqlite-engine.js';
import { caughtNearDuplicates, vectorRecallAtK } from './search-accuracy.js';

// The store's default HNSW candidate list, which the raw baseline uses too so that both search as widely.
const DEFAULT_EF_SEARCH = postgresStoreOptionsSchema.parse({ connectionString: 'postgres://' }).hnsw.efSearch;

// Queries scored for vector recall@10, and near-duplicates planted: enough for a share to two decimals, cheap at 100k.
const ACCURACY_QUERIES = 100;
const PLANTED_NEAR_DUPLICATES = 100;
// The pipeline's default near-duplicate threshold.
const NEAR_DUPLICATE_THRESHOLD = 0.95;
// Turns per retainConversation call: a chat session's length.
const CONVERSATION_SESSION = 20;
// Sessions timed: 5,000 turns, so that no single stall of the machine decides the rate (1,000 turns took 0.3 s).
const CONVERSATION_SESSIONS = 250;

/** What one speed case measures: one backend, one bank size. */
export interface SpeedCaseOptions {
  backend: BackendName;
  size: number;
  postgresUrl: string;
  /** Memories per retainMany call while loading. */
  batchSize: number;
  /** Recall queries timed (after a warm-up). */
  queries: number;
  /**
   * Queries of the raw-engine baselines and of the accuracy check, at most `queries`: the raw engines scan every
   * vector of the bank, seconds per query at a million memories.
   */
  rawQueries: number;
  /** Single retains timed after the recall phase. */
  singleRetains: number;
  /**
   * Load the bank with the near-duplicate check on (the default pipeline). Off by default: each check is a kNN
   * search, which on SQLite scans the whole bank, and a 100k load would take over an hour. The default pipeline's
   * retainMany rate is measured either way, on a batch written into the loaded bank.
   */
  bulkNearDedup: boolean;
  /** Results asked of recall (the pipeline then searches a pool of max(40, 4 × this) per engine). */
  maxResults: number;
}

/** The numbers of one speed case. */
export interface SpeedCaseResult {
  backend: BackendName;
  size: number;
  stored: number;
  deduplicated: number;
  load: {
    seconds: number;
    memoriesPerSecond: number;
    lastTenthPerSecond: number;
    /** The longest the event loop was blocked at once during the load, in ms (see withLongestBlock). */
    longestBlockMs: number;
    batchSize: number;
    nearDedup: boolean;
  };
  /** retainMany with the default pipeline (near-duplicate check on) into the loaded bank. */
  retainManyDefault: { batchSize: number; perSecond: number; longestBlockMs: number };
  /** retainConversation with the default pipeline into the loaded bank: sessions of CONVERSATION_SESSION turns. */
  retainConversation: { turns: number; perSecond: number };
  /** `firstMs`: the first default-pipeline retain into the loaded bank, which builds the near-duplicate index. */
  singleRetain: { firstMs: number; latency: LatencySummary; perSecond: number };
  recall: {
    /** Our recalls alone, back to back: the latency the targets read. */
    ours: LatencySummary;
    /** Our recalls interleaved with the raw engine's queries, which the overhead compares. */
    oursBesideRaw: LatencySummary;
    rawHybrid: LatencySummary;
    rawVector: LatencySummary;
    rawKeyword: LatencySummary;
    queryEmbedding: LatencySummary;
    overheadP50: number;
    overheadP95: number;
    pool: number;
  };
  /**
   * `peakRssMb`: the process's peak while loading and recalling, before the raw baseline runs (its sqlite-vec scans
   * allocate chunk buffers of their own). `processPeakRssMb`: the peak over the whole case.
   */
  memory: { peakRssMb: number; rssAfterLoadMb: number; processPeakRssMb: number };
  /**
   * How much the store's approximate searches miss, on the loaded bank. `vectorRecallAt10`: the share of the exact
   * top 10 (a full scan by the raw engine) that `store.vectorSearch` returns, over `queries` recall queries.
   * `nearDuplicatesCaught`: of `nearDuplicatesPlanted` records at cosine 0.9502 to 0.97 of a stored memory,
   * inserted with the threshold at 0.95 after the write timings, how many the near-duplicate check refused.
   */
  accuracy: { vectorRecallAt10: number; queries: number; nearDuplicatesCaught: number; nearDuplicatesPlanted: number };
}

/**
 * Loads a bank to `size` memories with retainMany, then times recall (ours and raw) and single retains, and checks
 * how much the store's approximate vector search and near-duplicate check miss.
 */
export async function runSpeedCase(options: SpeedCaseOptions): Promise<SpeedCaseResult> {
  const { backend, size } = options;
  const opened = await openBenchBrain(backend, { postgresUrl: options.postgresUrl });
  const { brain } = opened;
  const bankId = `bench-${randomSuffix()}`;
  const tailBatch = Math.min(1000, options.batchSize);
  // Drawn batch by batch, as an application ingests: the peak memory measured is the store's, not the corpus's.
  const texts = new MemoryTexts(7);
  // The same store under a pipeline that keeps near-duplicates: only the loader uses it.
  const loader = options.bulkNearDedup
    ? brain
    : await Astrocyte.create({ store: brain.store, embedder: brain.embedder, dedup: { action: 'keep' } });
  let stored = 0;
  let deduplicated = 0;
  // Every (size / PLANTED_NEAR_DUPLICATES)-th text the load kept: the planted near-duplicates are turned from them.
  const plantEvery = Math.max(1, Math.floor(size / PLANTED_NEAR_DUPLICATES));
  const plantFrom: string[] = [];
  try {
    // Load.
    const batches: { from: number; added: number; ms: number }[] = [];
    const loadStart = now();
    // Per retainMany call: drawing the next batch's texts blocks the loop too (up to 40 ms for 1,000), and is the
    // benchmark's own work.
    let loadLongestBlockMs = 0;
    while (stored < size) {
      // Texts the near-duplicate check refuses are made up by later batches, so the bank ends at exactly `size`.
      const want = Math.min(options.batchSize, size - stored);
      const items: RetainManyItem[] = texts.next(want).map((content) => ({ content }));
      const {
        result: results,
        ms,
        longestBlockMs,
      } = await withLongestBlock(() => loader.retainMany(items, { bankId }));
      loadLongestBlockMs = Math.max(loadLongestBlockMs, longestBlockMs);
      let added = 0;
      for (const [i, result] of results.entries()) {
        if (!result.stored) continue;
        if ((stored + added) % plantEvery === 0 && plantFrom.length < PLANTED_NEAR_DUPLICATES)
          plantFrom.push(items[i]?.content as string);
        added++;
      }
      batches.push({ from: stored, added, ms });
      stored += added;
      deduplicated += results.length - added;
    }
    const loadEnd = now();
    // The rate near the end of the load shows how writes slow down as the bank grows.
    const tail = batches.filter((b) => b.from >= size * 0.9);
    const lastTenth = tail.length > 0 ? tail : batches.slice(-1);
    const lastTenthPerSecond =
      lastTenth.reduce((n, b) => n + b.added, 0) / (lastTenth.reduce((ms, b) => ms + b.ms, 0) / 1000);
    const rssAfterLoadMb = rssMb();
    // Autovacuum vacuums and analyzes a table some time after a bulk load; until then the planner may ignore the HNSW
    // index, and reads check each row's visibility in the table. Doing it now measures the steady state a running
    // deployment is in (a server with autovacuum off, as some benchmark machines are, would never get there).
    if (backend === 'postgres') await analyzeTable(options.postgresUrl, opened.location, true);

    // Recall: ours alone, back to back after a warm-up, as a deployment serves it: the latency the targets read. Then
    // ours against the raw engine queries, interleaved query by query (both search HNSW as widely): each pays for what
    // the other leaves in the caches (the raw vector search on SQLite reads every vector of the bank, 150 MB at
    // 100,000), so their ratio compares like with like, and our latency beside them is reported too.
    const pool = Math.min(200, Math.max(40, options.maxResults * 4));
    const queries = queryCorpus(options.queries + 100, 11);
    const embedder = new LocalEmbedder();
    const vectors = queries.map((q) => embedder.embedOne(q));
    const q = (i: number) => i % queries.length;
    const recallOurs = (i: number) => brain.recall(queries[q(i)] as string, { bankId, maxResults: options.maxResults });
    for (let i = 0; i < 100; i++) await recallOurs(i);
    const ours = summarize(await sampleLatencies(options.queries, (i) => recallOurs(100 + i), 0));
    const oursPeakRssMb = peakRssMb();
    const terms = queries.map((q) => searchTerms(q));
    const raw: RawEngine =
      backend === 'sqlite'
        ? new RawSqliteEngine(sqliteDatabase(brain))
        : new RawPostgresEngine(options.postgresUrl, opened.location, Math.max(pool, DEFAULT_EF_SEARCH));
    if (raw instanceof RawPostgresEngine) await raw.warm();
    try {
      const rawQueries = Math.min(options.rawQueries, options.queries);
      const paired = await sampleInterleaved(rawQueries, {
        ours: recallOurs,
        raw: (i) => rawHybrid(raw, bankId, vectors[q(i)] as Float32Array, terms[q(i)] as string[], pool),
      });
      const rawVector = await sampleLatencies(rawQueries, (i) =>
        raw.vector(bankId, vectors[q(i)] as Float32Array, pool),
      );
      const rawKeyword = await sampleLatencies(rawQueries, (i) => raw.keyword(bankId, terms[q(i)] as string[], pool));
      const embedding = await sampleLatencies(options.queries, (i) => embedder.embedOne(queries[q(i)] as string));
      const oursBesideRaw = summarize(paired.ours);
      const rawBoth = summarize(paired.raw);
      const accuracyQueries = Math.min(ACCURACY_QUERIES, rawQueries);
      const vectorRecallAt10 = await vectorRecallAtK(brain.store, raw, bankId, vectors.slice(0, accuracyQueries), 10);

      // The default pipeline's first retain after opening: its near-duplicate check builds what later checks use
      // (on SQLite, the LSH tables of the bank), a one-off cost per process and bank, reported on its own.
      const [first] = texts.next(1) as [string];
      const firstStart = now();
      await brain.retain(first, { bankId });
      const firstRetainMs = now() - firstStart;

      // Single retains into the loaded bank.
      const singles = texts.next(options.singleRetains + 20);
      const singleStart = now();
      const singleLatency = await sampleLatencies(
        options.singleRetains,
        (i) => brain.retain(singles[i] as string, { bankId }),
        20,
      );
      const singleSeconds = (now() - singleStart) / 1000;

      // The default pipeline's retainMany into the loaded bank.
      const tailItems = texts.next(tailBatch).map((content) => ({ content }));
      const {
        result: tailResults,
        ms: tailMs,
        longestBlockMs: defaultLongestBlockMs,
      } = await withLongestBlock(() => brain.retainMany(tailItems, { bankId }));
      const retainManyDefault = {
        batchSize: tailBatch,
        perSecond: tailResults.length / (tailMs / 1000),
        longestBlockMs: defaultLongestBlockMs,
      };

      // Transcripts into the loaded bank: each call appends a session of turns, two speakers taking turns.
      const turns = texts.next(CONVERSATION_SESSIONS * CONVERSATION_SESSION);
      const conversationStart = now();
      for (let at = 0; at < turns.length; at += CONVERSATION_SESSION) {
        await brain.retainConversation(
          turns.slice(at, at + CONVERSATION_SESSION).map((text, i) => ({ speaker: i % 2 ? 'agent' : 'user', text })),
          { bankId, sessionId: `speed-${at}` },
        );
      }
      const retainConversation = {
        turns: turns.length,
        perSecond: turns.length / ((now() - conversationStart) / 1000),
      };

      const bases = plantFrom.map((text) => ({ text, embedding: embedder.embedOne(text) }));
      const nearDuplicatesCaught = await caughtNearDuplicates(brain.store, bankId, bases, NEAR_DUPLICATE_THRESHOLD);

      return {
        backend,
        size,
        stored,
        deduplicated,
        load: {
          seconds: (loadEnd - loadStart) / 1000,
          memoriesPerSecond: stored / ((loadEnd - loadStart) / 1000),
          lastTenthPerSecond,
          longestBlockMs: loadLongestBlockMs,
          batchSize: options.batchSize,
          nearDedup: options.bulkNearDedup,
        },
        retainManyDefault,
        retainConversation,
        singleRetain: {
          firstMs: firstRetainMs,
          latency: summarize(singleLatency),
          perSecond: (options.singleRetains + 20) / singleSeconds,
        },
        recall: {
          ours,
          oursBesideRaw,
          rawHybrid: rawBoth,
          rawVector: summarize(rawVector),
          rawKeyword: summarize(rawKeyword),
          queryEmbedding: summarize(embedding),
          overheadP50: ratio(oursBesideRaw.p50, rawBoth.p50),
          overheadP95: ratio(oursBesideRaw.p95, rawBoth.p95),
          pool,
        },
        memory: { peakRssMb: oursPeakRssMb, rssAfterLoadMb, processPeakRssMb: peakRssMb() },
        accuracy: {
          vectorRecallAt10,
          queries: accuracyQueries,
          nearDuplicatesCaught,
          nearDuplicatesPlanted: bases.length,
        },
      };
    } finally {
      await raw.close();
    }
  } finally {
    await opened.dispose();
  }
}
