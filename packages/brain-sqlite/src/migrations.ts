import { LocalEmbedder, StorageError } from '@astrocyte/core';
import {
  checkSameEmbedder,
  contentHash,
  type EmbedderInfo,
  episodeHashPrefix,
  hasUnspacedScript,
  keywordFields,
} from '@astrocyte/core/backend';
import type BetterSqlite3 from 'better-sqlite3';
import { KeywordIndex } from './keyword-index.js';
import { KEYWORD_TABLE_SQL, readEmbedder } from './schema.js';
import { StatementCache } from './statement-cache.js';
import { vectorBlob } from './vector-blobs.js';
import { inImmediateTransaction } from './write-lock.js';

/**
 * One step of the schema; applied once, in its own transaction, in version order. `from` is the version the file
 * had when its upgrade began (0 for a new file).
 */
interface Migration {
  version: number;
  up: string | ((db: BetterSqlite3.Database, from: number) => void);
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE memories (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        bank_id TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        tags TEXT NOT NULL,
        metadata TEXT NOT NULL,
        path TEXT,
        created_at INTEGER NOT NULL,
        occurred_at INTEGER,
        expires_at INTEGER,
        UNIQUE (bank_id, content_hash)
      );
      CREATE INDEX memories_bank_created ON memories (bank_id, created_at, id);
      CREATE INDEX memories_bank_path ON memories (bank_id, path) WHERE path IS NOT NULL;
      CREATE INDEX memories_expires ON memories (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE memory_tags (
        seq INTEGER NOT NULL,
        bank_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (seq, tag)
      ) WITHOUT ROWID;
      CREATE INDEX memory_tags_bank_tag ON memory_tags (bank_id, tag, seq);

      -- External content: the text lives once, in memories. 'secure-delete' makes a delete remove the row's terms
      -- from the index at once, instead of leaving them behind a delete marker until the next segment merge.
      CREATE VIRTUAL TABLE memory_fts USING fts5(text, content='memories', content_rowid='seq', tokenize='porter unicode61');
      INSERT INTO memory_fts (memory_fts, rank) VALUES ('secure-delete', 1);

      CREATE TABLE memory_versions (
        memory_id TEXT NOT NULL,
        bank_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        action TEXT NOT NULL,
        text TEXT,
        actor TEXT,
        reason TEXT,
        related_id TEXT,
        at INTEGER NOT NULL,
        PRIMARY KEY (memory_id, version)
      );
      CREATE INDEX memory_versions_related ON memory_versions (related_id) WHERE related_id IS NOT NULL;
    `,
  },
  {
    version: 2,
    // The candidate index's sketches (so opening a bank reads 500 bytes a row instead of recomputing them from the
    // vectors) and the float vectors again in a plain table: vec0 reads one row's vector by walking a 1.5 MB chunk
    // blob, about 0.5 ms, while a rowid lookup here costs microseconds. Rows written before this version are
    // sketched at the next open that knows the embedder ('sketch_backfill').
    up: `
      CREATE TABLE memory_sketches (
        seq INTEGER PRIMARY KEY,
        bank_id TEXT NOT NULL,
        moment INTEGER NOT NULL,
        expires_at INTEGER,
        signature BLOB NOT NULL,
        code BLOB NOT NULL,
        scale REAL NOT NULL
      );
      CREATE INDEX memory_sketches_bank ON memory_sketches (bank_id, seq);
      CREATE TABLE memory_embeddings (seq INTEGER PRIMARY KEY, embedding BLOB NOT NULL);
      INSERT INTO astrocyte_meta (key, value) SELECT 'sketch_backfill', 'pending' WHERE EXISTS (SELECT 1 FROM memories);
    `,
  },
  {
    version: 3,
    // Conversations: a memory's speaker and place in an episode. The keyword index becomes contentless with a column
    // each for text (after the speaker's name), date in words and episode neighbours (see keyword-index.ts), rebuilt from the rows.
    up: (db) => {
      db.exec(`
        ALTER TABLE memories ADD COLUMN speaker TEXT;
        ALTER TABLE memories ADD COLUMN episode_id TEXT;
        ALTER TABLE memories ADD COLUMN episode_position INTEGER;
        ALTER TABLE memories ADD COLUMN document_id TEXT;
        CREATE INDEX memories_episode ON memories (bank_id, episode_id, episode_position) WHERE episode_id IS NOT NULL;
        CREATE INDEX memories_document ON memories (bank_id, document_id) WHERE document_id IS NOT NULL;
        DROP TABLE memory_fts;
        ${KEYWORD_TABLE_SQL}
      `);
      const add = db.prepare('INSERT INTO memory_fts (rowid, text, date, context) VALUES (?, ?, ?, ?)');
      const rows = db.prepare('SELECT seq, text, occurred_at, created_at FROM memories').all() as {
        seq: number;
        text: string;
        occurred_at: number | null;
        created_at: number;
      }[];
      for (const row of rows) {
        const fields = keywordFields(
          {
            text: row.text,
            speaker: null,
            occurredAt: row.occurred_at === null ? null : new Date(row.occurred_at),
            createdAt: new Date(row.created_at),
          },
          [],
        );
        add.run(row.seq, fields.text, fields.date, fields.context);
      }
    },
  },
  {
    version: 4,
    // A superseded memory keeps, on its supersede row, the tags it carried, so that legal holds and forget by tags
    // still see it; the partial index finds a bank's superseded memories whose text is not yet erased.
    up: `
      ALTER TABLE memory_versions ADD COLUMN tags TEXT;
      CREATE INDEX memory_versions_superseded ON memory_versions (bank_id, memory_id)
        WHERE action = 'supersede' AND text IS NOT NULL;
    `,
  },
  {
    version: 5,
    // One stored copy of each float vector: `memory_embeddings`. The vec0 table held them a second time, for kNN
    // with tag and path filters, which now scan the matching rows' vectors with vec_distance_cosine. Rows written
    // before version 2 have their vectors only in vec0: copied first (their sketches follow at the next open).
    up: (db) => {
      const vec0 = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'memory_vectors'").get();
      if (!vec0) return;
      db.exec(`
        INSERT INTO memory_embeddings (seq, embedding)
          SELECT v.rowid, v.embedding FROM memory_vectors v
          WHERE NOT EXISTS (SELECT 1 FROM memory_embeddings e WHERE e.seq = v.rowid)
            AND EXISTS (SELECT 1 FROM memories m WHERE m.seq = v.rowid);
        DROP TABLE memory_vectors;
      `);
    },
  },
  {
    version: 6,
    // Re-embedding: a new model's vector for each live memory, staged beside the current one (which searches keep
    // using) until the switch; the target embedder is recorded in astrocyte_meta as 'reembed_target'.
    up: 'CREATE TABLE memory_reembed (seq INTEGER PRIMARY KEY, embedding BLOB NOT NULL);',
  },
  {
    version: 7,
    // Access control: rate-limit and quota counters, one row per key and window, and the audit log. AUTOINCREMENT
    // so that an audit id is never reused: listing pages by id, newest first.
    up: `
      CREATE TABLE access_counters (
        key TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        total INTEGER NOT NULL,
        PRIMARY KEY (key, window_start)
      ) WITHOUT ROWID;
      CREATE TABLE access_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        principal TEXT,
        on_behalf_of TEXT,
        action TEXT NOT NULL,
        bank_id TEXT,
        permission TEXT NOT NULL,
        outcome TEXT NOT NULL,
        details TEXT NOT NULL
      );
      CREATE INDEX access_audit_bank ON access_audit (bank_id, id);
      CREATE INDEX access_audit_principal ON access_audit (principal, id);
      CREATE INDEX access_audit_at ON access_audit (at);
    `,
  },
  {
    version: 8,
    // A turn's content hash now begins with its session's prefix (episodeHashPrefix): the turns stored before get it
    // too, or a transcript imported again would not find them as exact repeats. A turn is a row of an episode that is
    // not the episode of its own document's chunks.
    up: (db) => {
      db.function('astrocyte_episode_hash_prefix', { deterministic: true }, (episodeId) =>
        episodeHashPrefix(String(episodeId)),
      );
      db.exec(`
        UPDATE memories SET content_hash = astrocyte_episode_hash_prefix(episode_id) || content_hash
         WHERE episode_id IS NOT NULL AND (document_id IS NULL OR document_id <> episode_id)`);
    },
  },
  {
    version: 9,
    // FTS5 merges the keyword index's segments in the commits that write them, on the event loop (up to 658 ms for a
    // batch of 1,000 into a bank of a million): the store's thread merges them instead (store-thread.ts).
    up: "INSERT INTO memory_fts (memory_fts, rank) VALUES ('automerge', 0);",
  },
  {
    version: 10,
    // A superseded chunk keeps, on its supersede row, the document it was part of: forgetting it forgets the whole
    // text, as for a live chunk. Rows replaced before stay without one.
    up: 'ALTER TABLE memory_versions ADD COLUMN document_id TEXT;',
  },
  {
    version: 11,
    // Content hashes as core's contentHash makes them now: version 3 changed the formula (case kept, the time it
    // happened added) but kept the hashes of the rows stored before, so a repeat of one was never found. Turns and
    // chunks (in an episode or a document) were all hashed by the new formula. A row whose new hash another row of
    // its bank already holds (its repeat, stored while the old hash hid it) keeps its own: OR IGNORE, no row lost.
    // Rows already hashed so hash the same: nothing to write.
    up: (db) => {
      db.function('astrocyte_content_hash', { deterministic: true }, (text, occurredAt, speaker) =>
        contentHash(String(text), {
          occurredAt: occurredAt === null ? null : new Date(Number(occurredAt)),
          speaker: speaker === null ? null : String(speaker),
        }),
      );
      db.exec(`
        UPDATE OR IGNORE memories SET content_hash = astrocyte_content_hash(text, occurred_at, speaker)
         WHERE episode_id IS NULL AND document_id IS NULL
           AND content_hash <> astrocyte_content_hash(text, occurred_at, speaker)`);
    },
  },
  {
    version: 12,
    // The local embedder's vectors changed with version 3 (numbers, negations and identifiers weigh more) under the
    // same name, so a file stored before holds vectors its repeats no longer lie near. Such a file, when it records
    // the local embedder, has them computed again (local and fast); their sketches follow at the next open that
    // knows the embedder ('sketch_backfill'). Before version 3 no memory had a speaker: the text is what was embedded.
    up: (db, from) => {
      const stored = readEmbedder(db);
      if (from === 0 || from >= 3 || !stored) return;
      if (stored.name !== new LocalEmbedder().name) return;
      const embedder = new LocalEmbedder({ dimensions: stored.dimensions });
      const rows = db
        .prepare('SELECT e.seq, m.text FROM memory_embeddings e JOIN memories m ON m.seq = e.seq')
        .all() as { seq: number; text: string }[];
      const write = db.prepare('UPDATE memory_embeddings SET embedding = ? WHERE seq = ?');
      for (const row of rows) write.run(vectorBlob(embedder.embedOne(row.text)), row.seq);
      db.exec(`
        DELETE FROM memory_sketches;
        INSERT OR IGNORE INTO astrocyte_meta (key, value) SELECT 'sketch_backfill', 'pending' WHERE EXISTS (SELECT 1 FROM memories);`);
    },
  },
  {
    version: 13,
    // The keyword index holds runs of Chinese, Japanese, Korean and Thai as letter pairs (keyword-index.ts), so that
    // a word inside a clause is found. Only the entries holding such text are rewritten: a row's own text or speaker,
    // or a live episode neighbour's text (its context column); an English store's entries stay as they are.
    up: (db) => {
      db.function('astrocyte_unspaced', { deterministic: true }, (text) =>
        text !== null && hasUnspacedScript(String(text)) ? 1 : 0,
      );
      const seqs = db
        .prepare(
          `WITH marked AS (
             SELECT seq, astrocyte_unspaced(text) AS own, astrocyte_unspaced(speaker) AS speaks,
                    episode_id IS NOT NULL AND episode_position IS NOT NULL AS placed,
                    bank_id, episode_id, episode_position
               FROM memories),
           around AS (
             SELECT seq, own, speaks, placed, lag(own) OVER w AS previous, lead(own) OVER w AS next FROM marked
             WINDOW w AS (PARTITION BY bank_id, episode_id, placed ORDER BY episode_position, seq))
           SELECT seq FROM around WHERE own OR speaks OR (placed AND (previous OR next))`,
        )
        .pluck()
        .all() as number[];
      new KeywordIndex(new StatementCache(db)).writeLetterPairs(seqs);
    },
  },
];

/** The schema version this package writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema up to date; refuses a database written by a newer release of the package, and one that records
 * another embedder than `embedder` (EmbedderMismatchError), before writing anything: a mistyped config leaves a file
 * the release that wrote it can still open. A step waits for another connection's write lock up to `busyTimeoutMs`.
 */
export function migrate(db: BetterSqlite3.Database, busyTimeoutMs: number, embedder?: EmbedderInfo): void {
  db.exec('CREATE TABLE IF NOT EXISTS astrocyte_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const readVersion = db.prepare<[], { value: string }>(
    "SELECT value FROM astrocyte_meta WHERE key = 'schema_version'",
  );
  const writeVersion = db.prepare("INSERT OR REPLACE INTO astrocyte_meta (key, value) VALUES ('schema_version', ?)");
  const current = () => Number(readVersion.get()?.value ?? 0);
  if (current() > SCHEMA_VERSION) {
    throw new StorageError(
      `this database has schema version ${current()}, newer than the ${SCHEMA_VERSION} this @astrocyte/brain-sqlite knows; upgrade the package`,
      { code: 'schema_too_new', details: { found: current(), supported: SCHEMA_VERSION } },
    );
  }
  const recorded = readEmbedder(db);
  if (embedder && recorded) checkSameEmbedder(recorded, embedder);
  // A current schema needs no write lock: opening a store then never waits for another process's write.
  if (current() === SCHEMA_VERSION) return;
  // Where the upgrade began, kept until its last step: an open that finishes an upgrade another one left halfway
  // (killed between two steps) gives the steps the same `from`.
  const keepFrom = db.prepare("INSERT OR IGNORE INTO astrocyte_meta (key, value) VALUES ('upgrade_from', ?)");
  const readFrom = db.prepare<[], string>("SELECT value FROM astrocyte_meta WHERE key = 'upgrade_from'").pluck();
  for (const migration of MIGRATIONS) {
    // Re-read inside the write lock: another process may have applied this step since we looked.
    inImmediateTransaction(db, busyTimeoutMs, () => {
      if (current() >= migration.version) return;
      keepFrom.run(String(current()));
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db, Number(readFrom.get()));
      writeVersion.run(String(migration.version));
      if (migration.version === SCHEMA_VERSION) db.exec("DELETE FROM astrocyte_meta WHERE key = 'upgrade_from'");
    });
  }
}
