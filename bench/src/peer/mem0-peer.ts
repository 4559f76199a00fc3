import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomSuffix } from '../lib/backends.js';
import { itemText, type PeerEnvironment, type PeerItem, type PeerSystem, packageVersion } from './peer-system.js';

/**
 * mem0's open-source `Memory` (mem0ai/oss, 3.x) on the same Postgres: its pgvector store with the HNSW cosine
 * index it offers (`hnsw: true`) in a table of its own, its `openai` embedder on the shared endpoint, SQLite
 * history in a temporary file. No LLM is configured: with `infer: false`, 3.x stores each message as given and
 * needs none. Search is 3.x's default: vector candidates re-scored by a BM25 keyword match on the lemmatized text
 * (and by entity links, which only inferred adds create), threshold 0.1.
 */
export async function openMem0Peer(env: PeerEnvironment): Promise<PeerSystem> {
  // Read when the module loads; without it every call may post an event to PostHog.
  process.env.MEM0_TELEMETRY = 'false';
  // The ESM build, as `import { Memory } from 'mem0ai/oss'` gives a TypeScript project.
  const { Memory } = await import('mem0ai/oss');
  const collection = `mem0_bench_${randomSuffix()}`;
  const historyDir = mkdtempSync(join(tmpdir(), 'astrocyte-bench-mem0-'));
  // mem0 keeps an id and notice state in ~/.mem0 even with telemetry off; the run keeps them in its own folder.
  process.env.MEM0_DIR = historyDir;
  const hadMigrationsTable = await tableExists(env.postgresUrl, 'memory_migrations');
  const memory = new Memory({
    embedder: {
      provider: 'openai',
      config: {
        apiKey: 'not-used',
        baseURL: env.embeddingBaseURL,
        model: env.embeddingModel,
        embeddingDims: env.dimensions,
      },
    },
    vectorStore: {
      provider: 'pgvector',
      config: {
        collectionName: collection,
        dimension: env.dimensions,
        embeddingModelDims: env.dimensions,
        connectionString: env.postgresUrl,
        hnsw: true,
      },
    },
    historyStore: { provider: 'sqlite', config: { historyDbPath: join(historyDir, 'history.db') } },
  });
  const userId = `bench-${randomSuffix()}`;
  const add = async (items: PeerItem[]) => {
    const { results } = await memory.add(
      items.map((item) => ({ role: 'user', content: itemText(item) })),
      { userId, infer: false },
    );
    return results.map((item) => [item.id]);
  };
  return {
    label: `mem0ai/oss ${packageVersion('mem0ai')} (pgvector HNSW, infer: false)`,
    addBatch: add,
    async addOne(text) {
      await add([{ text }]);
    },
    async search(query, limit) {
      const { results } = await memory.search(query, { topK: limit, filters: { user_id: userId } });
      return results.map((item) => item.id);
    },
    afterLoad: () => runSql(env.postgresUrl, [`ANALYZE "${collection}"`]),
    async close() {
      // mem0's Memory has no close(): its stores' own connections are closed, then its tables dropped.
      const internals = memory as unknown as {
        vectorStore?: { close(): Promise<void> };
        _entityStore?: { close(): Promise<void> };
        db?: { close?(): void };
      };
      await internals.vectorStore?.close().catch(() => undefined);
      await internals._entityStore?.close().catch(() => undefined);
      internals.db?.close?.();
      await runSql(env.postgresUrl, [
        `DROP TABLE IF EXISTS "${collection}"`,
        `DROP TABLE IF EXISTS "${collection}_entities"`,
        ...(hadMigrationsTable ? [] : ['DROP TABLE IF EXISTS memory_migrations']),
      ]);
      rmSync(historyDir, { recursive: true, force: true });
    },
  };
}

async function runSql(connectionString: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
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
