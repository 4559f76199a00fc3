import type { StoreDescription } from '@astrocyte/core/backend';
import type { SqliteConnection } from './connection.js';
import { SCHEMA_VERSION } from './migrations.js';
import { readEmbedder } from './schema.js';

/**
 * What the store says of itself (MemoryStore.describe): the versions of SQLite, sqlite-vec and the schema, the
 * embedder the file records and the live memories, read from the file in one snapshot.
 */
export function describeStore(connection: SqliteConnection): Promise<StoreDescription> {
  return connection.readSnapshot('describe', () => {
    const versions = connection.stmt('SELECT sqlite_version() AS sqlite, vec_version() AS vec').get() as {
      sqlite: string;
      vec: string;
    };
    const schema = connection.stmt("SELECT value FROM astrocyte_meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined;
    const counts = connection
      .stmt('SELECT count(*) AS memories, count(DISTINCT bank_id) AS banks FROM memories')
      .get() as { memories: number; banks: number };
    const embedder = readEmbedder(connection.database);
    return {
      engine: { name: 'SQLite', version: versions.sqlite },
      location: connection.database.name,
      file: connection.database.memory ? null : connection.database.name,
      vectorExtension: { name: 'sqlite-vec', version: versions.vec },
      schemaVersion: { current: Number(schema?.value ?? 0), latest: SCHEMA_VERSION },
      embedder: embedder && { name: embedder.name, dimensions: embedder.dimensions },
      counts: { memories: counts.memories, banks: counts.banks },
    };
  });
}
