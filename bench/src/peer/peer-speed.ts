import { memoryCorpus, queryCorpus } from '../lib/memory-corpus.js';
import { type LatencySummary, summarize } from '../lib/stats.js';
import { now, sampleInterleaved } from '../lib/timing.js';
import type { PeerSystem } from './peer-system.js';
import type { SystemName } from './peer-systems.js';

/** How much the speed comparison does. */
export interface SpeedOptions {
  /** Memories ingested into each system. */
  size: number;
  /** Memories per batch call while ingesting. */
  batch: number;
  /** Timed single writes per system, after the ingest. */
  singles: number;
  /** Timed searches per system. */
  queries: number;
  /** Results per search. */
  limit: number;
}

/** What one system measured. */
export interface SpeedResult {
  name: SystemName;
  label: string;
  ingestPerSecond: number;
  singleAdd: LatencySummary;
  search: LatencySummary;
}

const SINGLE_WARMUP = 20;
const SEARCH_WARMUP = 50;

/**
 * Ingests the same memories in the same batches into each system, one system after another; then times single
 * writes and searches rotating between the systems call by call, so that drift hits all alike. Every system
 * writes the same extra texts and answers the same distinct queries (no query cache answers a repeat).
 */
export async function measureSpeed(
  systems: Map<SystemName, PeerSystem>,
  options: SpeedOptions,
  log: (line: string) => void,
): Promise<SpeedResult[]> {
  const { size, batch, singles, limit } = options;
  const corpus = memoryCorpus(size + singles + SINGLE_WARMUP, 21);
  const ingest = corpus.slice(0, size);
  const extra = corpus.slice(size);
  const queries = [...new Set(queryCorpus((options.queries + SEARCH_WARMUP) * 3, 23))].slice(
    0,
    options.queries + SEARCH_WARMUP,
  );
  if (queries.length < options.queries + SEARCH_WARMUP) throw new Error('not enough distinct queries; lower --queries');

  const rates = new Map<SystemName, number>();
  for (const [name, system] of systems) {
    log(`Ingesting ${size.toLocaleString('en-US')} memories into ${system.label} ...`);
    const start = now();
    for (let i = 0; i < ingest.length; i += batch) {
      await system.addBatch(ingest.slice(i, i + batch).map((text) => ({ text })));
    }
    rates.set(name, ingest.length / ((now() - start) / 1000));
  }
  for (const system of systems.values()) await system.afterLoad();

  const each = (call: (system: PeerSystem, i: number) => Promise<unknown>) =>
    Object.fromEntries([...systems].map(([name, system]) => [name, (i: number) => call(system, i)])) as Record<
      SystemName,
      (i: number) => Promise<unknown>
    >;
  log('Timing single writes, then searches, rotating between the systems ...');
  const single = await sampleInterleaved(
    singles,
    each((system, i) => system.addOne(extra[i] as string)),
    SINGLE_WARMUP,
  );
  const search = await sampleInterleaved(
    options.queries,
    each((system, i) => system.search(queries[i] as string, limit)),
    SEARCH_WARMUP,
  );
  // A system that finds nothing did not search the data: the comparison would be void.
  for (const system of systems.values()) {
    if ((await system.search(queries[0] as string, limit)).length === 0)
      throw new Error(`${system.label} returned no hits; the comparison is void`);
  }
  return [...systems].map(([name, system]) => ({
    name,
    label: system.label,
    ingestPerSecond: rates.get(name) as number,
    singleAdd: summarize(single[name]),
    search: summarize(search[name]),
  }));
}
