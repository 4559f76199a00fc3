import { LocalEmbedder, StorageError } from '@astrocyte/core';
import { checkSameEmbedder, contentHash, type EmbedderInfo } from '@astrocyte/core/backend';
import type pg from 'pg';
import {
  describeVectorExtension,
  ensureVectorExtension,
  type PostgresConnection,
  readVectorExtension,
  type VectorExtension,
} from './connection.js';
import { withoutHnswGraphs } from './hnsw-rebuild.js';
import { rebuildKeywordEntries } from './keyword-backfill.js';
import { TEXT_SEARCH_CONFIG } from './keyword-index.js';
import { vectorLiteral } from './memory-rows.js';
import { quoteIdent, readEmbedder, type StoredEmbedder } from './schema.js';

/** One schema change; applied once, in order, inside the migration transaction. */
export interface Migration {
  version: number;
  name: string;
  /**
   * Applies the change on the transaction's connection; `schema` is the quoted schema name, `from` the newest
   * version the schema had when this upgrade began (0 for a new one).
   */
  up: (client: pg.ClientBase, schema: string, from: number) => Promise<void>;
}

// Rows read and rewritten per round trip by the steps that rewrite every row: bounded memory, few round trips.
const BATCH_SIZE = 1000;

/**
 * Calls `rewrite` with each batch of the rows `select` (a query on the schema's memories) reads, as they were before
 * the first rewrite; the cursor's snapshot never reads a rewritten row again.
 */
async function eachBatch<Row>(
  client: pg.ClientBase,
  select: string,
  rewrite: (rows: Row[]) => Promise<void>,
): Promise<void> {
  await client.query(`DECLARE migration_rows NO SCROLL CURSOR FOR ${select}`);
  for (;;) {
    const { rows } = await client.query(`FETCH ${BATCH_SIZE} FROM migration_rows`);
    if (rows.length === 0) break;
    await rewrite(rows as Row[]);
  }
  await client.query('CLOSE migration_rows');
}

type HashedRow = { seq: string; bank_id: string; content_hash: string; hash: string };

// Every row of the schema outside episodes and documents whose hash is not what contentHash makes now, by batch.
async function eachOutdatedHash(
  client: pg.ClientBase,
  s: string,
  rewrite: (rows: HashedRow[]) => Promise<void>,
): Promise<void> {
  await eachBatch<HashedRow & { text: string; occurred_at: Date | null; speaker: string | null }>(
    client,
    `SELECT seq, bank_id, content_hash, text, occurred_at, speaker FROM ${s}.memories
      WHERE episode_id IS NULL AND document_id IS NULL`,
    async (rows) => {
      const outdated = rows
        .map((row) => ({ ...row, hash: contentHash(row.text, { occurredAt: row.occurred_at, speaker: row.speaker }) }))
        .filter((row) => row.hash !== row.content_hash);
      if (outdated.length > 0) await rewrite(outdated);
    },
  );
}

async function run(client: pg.ClientBase, statements: string[]): Promise<void> {
  for (const statement of statements) await client.query(statement);
}

// A change that is SQL alone.
function statements(list: (schema: string) => string[]): Migration['up'] {
  return (client, schema) => run(client, list(schema));
}

/** Every schema version, oldest first. Never edit an applied migration; add the next one. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'memories, versions and meta',
    up: statements((s) => [
      `CREATE TABLE ${s}.meta (key text PRIMARY KEY, value jsonb NOT NULL)`,
      // The embedding column is added by ensureEmbedder: its type needs the dimension, known only then.
      `CREATE TABLE ${s}.memories (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        id text NOT NULL,
        bank_id text NOT NULL,
        text text NOT NULL,
        content_hash text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        metadata jsonb NOT NULL DEFAULT '{}',
        path text,
        created_at timestamptz NOT NULL,
        occurred_at timestamptz,
        expires_at timestamptz,
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('${TEXT_SEARCH_CONFIG}'::regconfig, text)) STORED,
        -- Every key leads with the bank: lookups are per bank, and the table can be partitioned or sharded by it.
        PRIMARY KEY (bank_id, id),
        CONSTRAINT memories_bank_content_hash_key UNIQUE (bank_id, content_hash)
      )`,
      `CREATE INDEX memories_bank_seq_idx ON ${s}.memories (bank_id, seq)`,
      `CREATE INDEX memories_tsv_idx ON ${s}.memories USING gin (tsv)`,
      `CREATE INDEX memories_tags_idx ON ${s}.memories USING gin (tags)`,
      `CREATE INDEX memories_expires_idx ON ${s}.memories (expires_at) WHERE expires_at IS NOT NULL`,
      `CREATE TABLE ${s}.memory_versions (
        bank_id text NOT NULL,
        memory_id text NOT NULL,
        version integer NOT NULL,
        action text NOT NULL CHECK (action IN ('create', 'supersede', 'redact', 'expire', 'forget')),
        text text,
        actor text,
        reason text,
        related_id text,
        at timestamptz NOT NULL,
        PRIMARY KEY (bank_id, memory_id, version)
      )`,
      `CREATE INDEX memory_versions_related_idx ON ${s}.memory_versions (bank_id, related_id) WHERE related_id IS NOT NULL`,
    ]),
  },
  {
    version: 2,
    name: 'rows kept whole, keyword index without a pending list',
    up: statements((s) => [
      // A row past 2 kB (a 384-dimension embedding is 1.5 kB) has its largest column moved to the TOAST table:
      // three more buffer reads each time a search reads the embedding or the tsvector. Rows up to a page stay whole.
      `ALTER TABLE ${s}.memories SET (toast_tuple_target = 8160)`,
      // With fastupdate, new rows wait in an unsorted pending list that every keyword search scans in full until a
      // vacuum merges it (up to 4 MB after a bulk load), and the planner turns to a sequential scan. Writing straight
      // into the index costs microseconds per row, nothing beside the HNSW insert.
      `ALTER INDEX ${s}.memories_tsv_idx SET (fastupdate = off)`,
      `SELECT gin_clean_pending_list('${s}.memories_tsv_idx'::regclass)`,
    ]),
  },
  {
    version: 3,
    name: 'conversations: speaker, episodes, documents; keyword entries written by the store',
    up: async (client, s) => {
      await run(client, [
        // keyword_length is version 7's, added here too because the rebuild below writes each entry with its length.
        `ALTER TABLE ${s}.memories ADD COLUMN speaker text, ADD COLUMN episode_id text,
           ADD COLUMN episode_position integer, ADD COLUMN document_id text, ADD COLUMN keyword_length integer`,
        `CREATE INDEX memories_episode_idx ON ${s}.memories (bank_id, episode_id, episode_position)
           WHERE episode_id IS NOT NULL`,
        `CREATE INDEX memories_document_idx ON ${s}.memories (bank_id, document_id) WHERE document_id IS NOT NULL`,
        // The entry is no longer a function of the row alone (it holds the episode neighbours' text and the date in
        // words from core), so the store writes it. The generated column goes, and its GIN index with it.
        `ALTER TABLE ${s}.memories DROP COLUMN tsv`,
        `ALTER TABLE ${s}.memories ADD COLUMN tsv tsvector`,
      ]);
      await rebuildKeywordEntries(client, s);
      await run(client, [
        `ALTER TABLE ${s}.memories ALTER COLUMN tsv SET NOT NULL`,
        `CREATE INDEX memories_tsv_idx ON ${s}.memories USING gin (tsv) WITH (fastupdate = off)`,
      ]);
    },
  },
  {
    version: 4,
    name: 'superseded memories keep their tags',
    up: statements((s) => [
      // A superseded memory keeps, on its supersede row, the tags it carried, so that legal holds and forget by tags
      // still see it; the partial index finds a bank's superseded memories whose text is not yet erased.
      `ALTER TABLE ${s}.memory_versions ADD COLUMN tags text[]`,
      `CREATE INDEX memory_versions_superseded_idx ON ${s}.memory_versions (bank_id, memory_id)
         WHERE action = 'supersede' AND text IS NOT NULL`,
    ]),
  },
  {
    version: 5,
    name: 're-embedding: staged vectors',
    up: async (client, s) => {
      // A new model's vector for each live memory, beside the current one (which searches keep using) until the
      // switch; any dimension, so the column has none. Erasing or superseding a memory deletes its staged vector.
      const extension = await readVectorExtension(client);
      await client.query(
        `CREATE TABLE ${s}.reembed_vectors (
          bank_id text NOT NULL,
          memory_id text NOT NULL,
          embedding ${quoteIdent(extension?.schema ?? 'public')}.vector NOT NULL,
          PRIMARY KEY (bank_id, memory_id),
          FOREIGN KEY (bank_id, memory_id) REFERENCES ${s}.memories (bank_id, id) ON DELETE CASCADE
        )`,
      );
    },
  },
  {
    version: 6,
    name: 'access control: counters and audit log',
    up: statements((s) => [
      // One row per rate-limit or quota key and window; the store deletes a key's expired windows as it adds.
      `CREATE TABLE ${s}.access_counters (
        key text NOT NULL,
        window_start timestamptz NOT NULL,
        total bigint NOT NULL,
        PRIMARY KEY (key, window_start)
      )`,
      `CREATE TABLE ${s}.access_audit (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL,
        principal text,
        on_behalf_of text,
        action text NOT NULL,
        bank_id text,
        permission text NOT NULL,
        outcome text NOT NULL,
        details jsonb NOT NULL
      )`,
      // Listing is newest first by id, within a bank, a principal or a time.
      `CREATE INDEX access_audit_bank_idx ON ${s}.access_audit (bank_id, id)`,
      `CREATE INDEX access_audit_principal_idx ON ${s}.access_audit (principal, id)`,
      `CREATE INDEX access_audit_at_idx ON ${s}.access_audit (at)`,
    ]),
  },
  {
    version: 7,
    name: "keyword ranking by the length of a memory's own text",
    // What a memory's keyword rank is divided by (ownLengthSql), written with its row. Rows written before stay null
    // and have it computed as they are ranked: filling the column would rewrite every row, and every index with it.
    // (A schema upgraded from before version 3 has it from there.)
    up: statements((s) => [`ALTER TABLE ${s}.memories ADD COLUMN IF NOT EXISTS keyword_length integer`]),
  },
  {
    version: 8,
    name: "a turn's content hash begins with its session's",
    // As core's episodeHashPrefix now makes them, or a transcript imported again would not find the turns stored
    // before as exact repeats. A turn is a row in an episode other than its own document (a long text's chunks form
    // an episode of the document, and keep the text's own hashes). The prefix is computed by the server: 8 hex digits
    // of the sha256 of the episode id's UTF-8 bytes.
    up: async (client, s) => {
      const turns = 'episode_id IS NOT NULL AND (document_id IS NULL OR document_id <> episode_id)';
      const { rows } = await client.query<{ found: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${s}.memories WHERE ${turns}) AS found`,
      );
      if (!rows[0]?.found) return;
      await withoutHnswGraphs(client, s, async () => {
        await client.query(
          `UPDATE ${s}.memories
              SET content_hash = substr(encode(sha256(convert_to(episode_id, 'UTF8')), 'hex'), 1, 8) || content_hash
            WHERE ${turns}`,
        );
      });
    },
  },
  {
    version: 9,
    name: 'superseded chunks keep their document',
    // Forgetting a superseded chunk forgets the whole text, as for a live one. Rows replaced before stay without one.
    up: statements((s) => [`ALTER TABLE ${s}.memory_versions ADD COLUMN document_id text`]),
  },
  {
    version: 10,
    name: 'content hashes of the memories stored before version 3 as contentHash makes them',
    // Version 3 changed the formula (case kept, the time it happened added) but kept the hashes of the rows stored
    // before, so a repeat of one was never found. Turns and chunks (in an episode or a document) were all hashed by
    // the new formula; rows already hashed so hash the same. A row whose new hash another row of its bank already
    // holds (its repeat, stored while the old hash hid it) keeps its own: no row lost.
    up: async (client, s) => {
      let found = false;
      await eachOutdatedHash(client, s, async () => {
        found = true;
      });
      if (!found) return;
      await withoutHnswGraphs(client, s, () =>
        eachOutdatedHash(client, s, async (rows) => {
          // One row per new hash in the batch; the statement sees the earlier batches' rewrites.
          const first = [...new Map(rows.map((row) => [`${row.bank_id}\u0000${row.hash}`, row])).values()];
          await client.query(
            `UPDATE ${s}.memories m SET content_hash = v.hash
               FROM unnest($1::text[], $2::bigint[], $3::text[]) AS v(bank_id, seq, hash)
              WHERE m.bank_id = v.bank_id AND m.seq = v.seq
                AND NOT EXISTS (SELECT 1 FROM ${s}.memories o WHERE o.bank_id = v.bank_id AND o.content_hash = v.hash)`,
            [first.map((r) => r.bank_id), first.map((r) => r.seq), first.map((r) => r.hash)],
          );
        }),
      );
    },
  },
  {
    version: 11,
    name: "the local embedder's vectors of the memories stored before version 3 computed again",
    // The local embedder's vectors changed with version 3 (numbers, negations and identifiers weigh more) under the
    // same name, so a schema stored before holds vectors its repeats no longer lie near. Such a schema, when it
    // records the local embedder, has them computed again (local and fast). Before version 3 no memory had a
    // speaker: the text is what was embedded.
    up: async (client, s, from) => {
      if (from === 0 || from >= 3) return;
      const { rows: recorded } = await client.query<{ value: StoredEmbedder }>(
        `SELECT value FROM ${s}.meta WHERE key = 'embedder'`,
      );
      const stored = recorded[0]?.value;
      if (!stored) return;
      if (stored.name !== new LocalEmbedder().name) return;
      const embedder = new LocalEmbedder({ dimensions: stored.dimensions });
      const vectorType = `${quoteIdent((await readVectorExtension(client))?.schema ?? 'public')}.${stored.columnType}`;
      await withoutHnswGraphs(client, s, () =>
        eachBatch<{ seq: string; bank_id: string; text: string }>(
          client,
          `SELECT seq, bank_id, text FROM ${s}.memories`,
          async (rows) => {
            await client.query(
              `UPDATE ${s}.memories m SET embedding = v.embedding::${vectorType}
                 FROM unnest($1::text[], $2::bigint[], $3::text[]) AS v(bank_id, seq, embedding)
                WHERE m.bank_id = v.bank_id AND m.seq = v.seq`,
              [
                rows.map((r) => r.bank_id),
                rows.map((r) => r.seq),
                rows.map((r) => vectorLiteral(embedder.embedOne(r.text))),
              ],
            );
          },
        ),
      );
    },
  },
  {
    version: 12,
    name: "keyword entries of core's words",
    // Entries written before held to_tsvector's own tokens, a path, host name, version or '-123' whole, which no
    // query term matched; each is written again from its row and neighbours (entryFields), with its length.
    up: (client, s) => rebuildKeywordEntries(client, s),
  },
];

// One lock for every Astrocyte schema of the database: CREATE EXTENSION and CREATE SCHEMA race across schemas too.
const MIGRATION_LOCK = "hashtextextended('astrocyte:migrations', 0)";

/** Runs `fn` in a transaction holding the migration lock, so that processes starting together take turns. */
export function withMigrationLock<T>(
  connection: PostgresConnection,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return connection.transaction(async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    return fn(client);
  });
}

/**
 * Creates the extension when allowed, brings the schema to the latest version, and reports pgvector's features. With
 * `mustExist`, a schema that holds no store yet is refused, not created; one that records another embedder than
 * `embedder` is refused (EmbedderMismatchError) before anything is written.
 */
export async function migrate(
  connection: PostgresConnection,
  schema: string,
  options: { mustExist?: boolean; embedder?: EmbedderInfo } = {},
): Promise<VectorExtension> {
  const s = quoteIdent(schema);
  const { address } = connection;
  return withMigrationLock(connection, async (client) => {
    // An up-to-date schema is only read, never written: a store can open on a read-only replica.
    const current = await readVectorExtension(client);
    const applied = await appliedVersions(client, schema);
    const latest = MIGRATIONS.at(-1)?.version ?? 0;
    const newest = Math.max(0, ...applied);
    if (newest > latest) {
      throw new StorageError(
        `@astrocyte/brain-postgres: schema "${schema}" is at version ${newest} but this release knows up to ${latest}; upgrade @astrocyte/brain-postgres`,
        { code: 'schema_too_new', details: { schema, version: newest, supported: latest } },
      );
    }
    if (options.mustExist && applied.size === 0)
      throw new StorageError(
        `@astrocyte/brain-postgres: no store in schema "${schema}" at ${address.host}:${address.port}: nothing has been stored there yet`,
        { code: 'storage_database_missing', details: { schema } },
      );
    // Before anything is written: a mistyped config leaves a schema the release that wrote it can still open.
    const recorded = applied.size > 0 ? await readEmbedder(client, schema) : undefined;
    if (options.embedder && recorded) checkSameEmbedder(recorded, options.embedder);
    const pending = MIGRATIONS.filter((m) => !applied.has(m.version));
    if (current && pending.length === 0) return describeVectorExtension(current);
    const extension = await ensureVectorExtension(client, address, current);
    // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists (Postgres checks that
    // privilege first): a role given only USAGE and CREATE on a schema its DBA made must still set the store up.
    const { rows: existing } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (existing.length === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    for (const migration of pending) {
      await migration.up(client, s, newest);
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
    return extension;
  });
}

async function appliedVersions(client: pg.PoolClient, schema: string): Promise<Set<number>> {
  const table = `${quoteIdent(schema)}.schema_migrations`;
  const { rows: exists } = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
    table,
  ]);
  if (!exists[0]?.found) return new Set();
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${table}`);
  return new Set(rows.map((r) => r.version));
}
