import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomSuffix } from '../lib/backends.js';
import { loadMem0 } from './load-mem0.js';

/** The subset of mem0's Memory the benchmark calls. */
interface Mem0Memory {
  add(messages: { role: string; content: string }[], config: { userId: string; infer: boolean }): Promise<unknown>;
  search(query: string, config: { userId: string; limit: number }): Promise<{ results: unknown[] }>;
}

/** A mem0 open-source Memory on pgvector in the benchmark's Postgres, and how to remove what it created. */
export interface Mem0Peer {
  memory: Mem0Memory;
  userId: string;
  collection: string;
  /** Refreshes the planner statistics of mem0's table. */
  analyze(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Builds mem0's `Memory` (mem0ai/oss) on the same Postgres: its pgvector store with an HNSW cosine index in a table
 * of its own, its OpenAI embedder pointed at the local endpoint, SQLite history in a temporary file. Its LLM is
 * configured only because mem0 insists; it points at the same local server, which refuses chat calls, and every
 * add passes `infer: false` so none is made.
 */
export async function openMem0Peer(
  postgresUrl: string,
  embeddingBaseURL: string,
  dimensions: number,
): Promise<Mem0Peer> {
  const url = new URL(postgresUrl);
  const collection = `mem0_bench_${randomSuffix()}`;
  const historyDir = mkdtempSync(join(tmpdir(), 'astrocyte-bench-mem0-'));
  const hadMigrationsTable = await tableExists(postgresUrl, 'memory_migrations');
  const { Memory } = loadMem0();
  const memory = new Memory({
    embedder: {
      provider: 'openai',
      config: { apiKey: 'not-used', baseURL: embeddingBaseURL, model: 'local-hash-v1', embeddingDims: dimensions },
    },
    vectorStore: {
      provider: 'pgvector',
      config: {
        collectionName: collection,
        dimension: dimensions,
        embeddingModelDims: dimensions,
        dbname: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
        user: decodeURIComponent(url.username) || 'postgres',
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        host: url.hostname,
        port: Number(url.port || 5432),
        hnsw: true,
      },
    },
    llm: { provider: 'openai', config: { apiKey: 'not-used', baseURL: embeddingBaseURL, model: 'must-not-be-called' } },
    historyStore: { provider: 'sqlite', config: { historyDbPath: join(historyDir, 'history.db') } },
  }) as unknown as Mem0Memory & { vectorStore?: { close(): Promise<void> }; db?: { close?(): void } };
  return {
    memory,
    userId: `bench-${randomSuffix()}`,
    collection,
    async analyze() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(`ANALYZE "${collection}"`);
      } finally {
        await client.end();
      }
    },
    async dispose() {
      await memory.vectorStore?.close().catch(() => undefined);
      memory.db?.close?.();
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(`DROP TABLE IF EXISTS "${collection}"`);
        if (!hadMigrationsTable) await client.query('DROP TABLE IF EXISTS memory_migrations');
      } finally {
        await client.end();
      }
      rmSync(historyDir, { recursive: true, force: true });
    },
  };
}

async function tableExists(connectionString: string, table: string): Promise<boolean> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT to_regclass('public.' || $1) IS NOT NULL AS found", [table]);
    return rows[0]?.found === true;
  } finally {
    await client.end();
  }
}
