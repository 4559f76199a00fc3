import {
  type BrainOnlyOptions,
  brainOptionFields,
  type EmbedderInfo,
  embedderInfoSchema,
  parsePackageOptions,
} from '@astrocyte/core/backend';
import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';

const PACKAGE = '@astrocyte/brain-sqlite';

function isDatabase(value: unknown): value is BetterSqlite3.Database {
  const db = value as Partial<BetterSqlite3.Database> | null;
  return typeof db === 'object' && db !== null && typeof db.prepare === 'function' && typeof db.exec === 'function';
}

const optionsSchema = z
  .strictObject({
    path: z.string().trim().min(1, 'must be a file path or ":memory:"').optional(),
    database: z.custom<BetterSqlite3.Database>(isDatabase, 'must be an open better-sqlite3 Database').optional(),
    busyTimeoutMs: z.number().int().min(0).max(600_000).optional(),
    mustExist: z.boolean().optional(),
    synchronous: z.enum(['full', 'normal']).optional(),
    embedder: embedderInfoSchema.optional(),
  })
  .refine((o) => (o.path === undefined) !== (o.database === undefined), {
    message: 'give exactly one of path or database',
    path: ['path'],
  });

/** Where the store lives: a file (or ':memory:') it opens itself, or a database the caller opened and keeps. */
export type SqliteStoreOptions = (
  | { path: string; database?: never }
  | { database: BetterSqlite3.Database; path?: never }
) & {
  /** How long a writer waits for another connection's lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * Open only a file that is there (a `storage_database_missing` StorageError otherwise) instead of creating it and
   * its folders: for a caller that only reads, which a mistyped path would give an empty store.
   */
  mustExist?: boolean;
  /**
   * When a commit reaches the disk. `full` (the default): before the write resolves (the WAL is synced off the event
   * loop), so a retain that succeeded survives a power cut or an operating-system crash. `normal`: at the next
   * checkpoint, faster (docs/backends.md, **Durability on SQLite**); a process crash (kill -9) still loses nothing, but
   * a power cut may lose the writes since that checkpoint. Files only.
   */
  synchronous?: 'full' | 'normal';
  /**
   * The embedder the store will be used with: a file that records another is refused (EmbedderMismatchError) before
   * its schema is upgraded, so that it stays as the release that wrote it left it. `ensureEmbedder` records it.
   */
  embedder?: EmbedderInfo;
};

/** Validates store options; throws ConfigError (`invalid_options`) naming the package and the offending field. */
export function parseSqliteStoreOptions(options: unknown): SqliteStoreOptions {
  return parsePackageOptions(PACKAGE, optionsSchema, options) as SqliteStoreOptions;
}

// A key of neither the store nor the brain is refused, naming both's: each part used to take the keys it knew and
// drop the rest, so `mustExist`, which only the store reads, never reached it.
const brainOptionsSchema = optionsSchema.safeExtend(brainOptionFields);

/** Validates createSqliteBrain's options, the store's and the brain's together; throws ConfigError like the store's. */
export function parseSqliteBrainOptions(options: unknown): SqliteStoreOptions & BrainOnlyOptions {
  return parsePackageOptions(PACKAGE, brainOptionsSchema, options) as SqliteStoreOptions & BrainOnlyOptions;
}
