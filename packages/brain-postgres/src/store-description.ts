import type { StoreDescription } from '@astrocyte/core/backend';
import type { PostgresConnection } from './connection.js';
import { MIGRATIONS } from './migrations.js';
import { quoteIdent, type StoredEmbedder } from './schema.js';

interface DescriptionRow {
  server_version: string;
  database: string;
  vector_version: string | null;
  schema_version: number | null;
  embedder: StoredEmbedder | null;
  memories: string;
  banks: string;
}

/**
 * What the store says of itself (MemoryStore.describe), in one round trip: the server's and pgvector's versions as
 * installed now, the schema's version, the embedder it records (another process may have switched it since this
 * store opened) and its live memories.
 */
export async function describeStore(connection: PostgresConnection, schema: string): Promise<StoreDescription> {
  const s = quoteIdent(schema);
  const { rows } = await connection.query<DescriptionRow>(
    `SELECT current_setting('server_version') AS server_version, current_database() AS database,
            (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector_version,
            (SELECT max(version) FROM ${s}.schema_migrations) AS schema_version,
            (SELECT value FROM ${s}.meta WHERE key = 'embedder') AS embedder,
            (SELECT count(*) FROM ${s}.memories) AS memories,
            (SELECT count(DISTINCT bank_id) FROM ${s}.memories) AS banks`,
  );
  const row = rows[0] as DescriptionRow;
  const { host, port } = connection.address;
  return {
    // "16.4 (Debian 16.4-1.pgdg120+2)": the packager's suffix is not the version.
    engine: { name: 'PostgreSQL', version: row.server_version.split(' ')[0] as string },
    location: `${host}:${port}/${row.database}, schema ${schema}`,
    file: null,
    vectorExtension: row.vector_version === null ? null : { name: 'pgvector', version: row.vector_version },
    schemaVersion: { current: row.schema_version ?? 0, latest: MIGRATIONS.at(-1)?.version ?? 0 },
    embedder: row.embedder && { name: row.embedder.name, dimensions: row.embedder.dimensions },
    counts: { memories: Number(row.memories), banks: Number(row.banks) },
  };
}
