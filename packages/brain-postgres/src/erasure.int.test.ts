import { randomBytes } from 'node:crypto';
import { describeErasureConformance } from '@astrocyte/core/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import { openPostgresStore } from './postgres-memory-store.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

// What Postgres really holds: every row of every table of the schema, rendered as text by Postgres itself (keyword
// entries included), and for compaction the bytes of the data files themselves.

const { available, schemas, admin } = await postgresTestFile();

/** Every row of every table of the schema, rendered as text by Postgres itself. */
async function dumpSchema(schema: string): Promise<string> {
  const { rows: tables } = await admin.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
    [schema],
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await admin.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
    parts.push(`${table_name}: ${rows.map((r) => r.row).join('\n')}`);
  }
  return parts.join('\n');
}

/** The lexemes of the tsvector column: of one memory's entry, or of every entry. */
async function lexemes(schema: string, memoryId?: string): Promise<string[]> {
  const { rows } = await admin.query<{ lexeme: string }>(
    `SELECT DISTINCT (unnest(tsv)).lexeme FROM "${schema}".memories WHERE $1::text IS NULL OR id::text = $1`,
    [memoryId ?? null],
  );
  return rows.map((r) => r.lexeme);
}

if (available) {
  describeErasureConformance('postgres', {
    async create() {
      const schema = schemas.next('astro_erasure');
      return {
        store: await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 2 }),
        rawDump: () => dumpSchema(schema),
        keywordTerms: (memoryId) => lexemes(schema, memoryId),
        vectorCount: async () =>
          Number((await admin.query(`SELECT count(embedding) AS n FROM "${schema}".memories`)).rows[0]?.n),
      };
    },
  });
}

/**
 * The raw bytes of every file of the schema's tables, their TOAST tables and all their indexes, read by the server
 * from its data directory (pg_read_binary_file), after a checkpoint has written every changed page out.
 */
async function relationFiles(database: pg.Client, schema: string): Promise<Map<string, Buffer>> {
  await database.query('CHECKPOINT');
  const { rows } = await database.query<{ path: string; bytes: Buffer }>(
    `WITH tables AS (
       SELECT c.oid, c.reltoastrelid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r'
     ), heaps AS (SELECT oid FROM tables UNION SELECT reltoastrelid FROM tables WHERE reltoastrelid <> 0),
     relations AS (SELECT oid FROM heaps UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM heaps))
     SELECT pg_relation_filepath(oid) AS path, pg_read_binary_file(pg_relation_filepath(oid)) AS bytes FROM relations`,
    [schema],
  );
  return new Map(rows.map((r) => [r.path, r.bytes]));
}

/** The files among `files` that hold `needle` (a string, as UTF-8, or raw bytes). */
function holding(files: Map<string, Buffer>, needle: string | Buffer): string[] {
  return [...files].filter(([, bytes]) => bytes.includes(needle)).map(([path]) => path);
}

// Ends in a digit so that no stemmer strips a suffix ("…ed", "…e") and the indexed term is the word itself.
const canary = () => `zq${randomBytes(6).toString('hex')}0`;

describe.skipIf(!available)('postgres erasure in the data files: compaction', () => {
  it('brain.compact removes forgotten text, tags, metadata and vector bytes from the data files, which VACUUM leaves', async () => {
    // A database of its own: VACUUM FULL keeps dead rows that a transaction of the same database might still see,
    // and the other test files' transactions run in the shared one.
    const name = `astro_compact_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    const database = new pg.Client({ connectionString: url.toString() });
    await database.connect();
    const schema = 'astrocyte';
    const brain = await createPostgresBrain({ connectionString: url.toString(), schema, maxConnections: 2 });
    try {
      const [word, tag, note] = [canary(), canary(), canary()];
      const { memoryId } = await brain.retain(`Safe combination hint ${word} behind the painting`, {
        bankId: 'home',
        tags: [tag],
        metadata: { note },
      });
      await brain.retain('The spare key is with the neighbours', { bankId: 'home' });
      const { rows } = await database.query<{ e: number[] }>(
        `SELECT embedding::real[] AS e FROM "${schema}".memories WHERE id = $1`,
        [memoryId],
      );
      const vector = Buffer.from(new Float32Array(rows[0]?.e as number[]).buffer);
      const traces = [word, tag, note, vector];
      // Every trace is in the files while the memory is live, so their absence at the end means something.
      let files = await relationFiles(database, schema);
      for (const trace of traces) expect(holding(files, trace)).not.toEqual([]);

      await brain.forget('home', { memoryIds: [memoryId as string] });
      await database.query(`VACUUM "${schema}".memories, "${schema}".memory_versions`);
      files = await relationFiles(database, schema);
      // VACUUM only marks dead entries free: the keyword and tags indexes still hold the word and the tag.
      expect(holding(files, word)).not.toEqual([]);
      expect(holding(files, tag)).not.toEqual([]);

      await brain.compact();
      files = await relationFiles(database, schema);
      for (const trace of traces) expect(holding(files, trace)).toEqual([]);
      expect(holding(files, 'spare key is with the neighbours')).not.toEqual([]);
      expect((await brain.recall('spare key', { bankId: 'home' })).hits[0]?.text).toBe(
        'The spare key is with the neighbours',
      );
    } finally {
      await brain.close();
      await database.end();
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    }
  });
});
