import { ValidationError } from '@astrocyte/core';
import { checkSameEmbedder, type EmbedderInfo } from '@astrocyte/core/backend';
import type Database from 'better-sqlite3';

/** The largest dimension the store accepts: sqlite-vec's largest vector. */
export const MAX_DIMENSIONS = 8192;

/** The FTS5 table of the keyword index: contentless (it holds terms, never text), one entry a memory. */
export const KEYWORD_TABLE_SQL = `
  CREATE VIRTUAL TABLE memory_fts USING fts5(text, date, context, content='', tokenize='porter unicode61');
  INSERT INTO memory_fts (memory_fts, rank) VALUES ('secure-delete', 1);`;

/** The embedder the store was written with, if one was recorded; `database` may be the connection's statement cache. */
export function readEmbedder(database: { prepare(sql: string): Database.Statement }): EmbedderInfo | null {
  const row = database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'embedder'").get() as
    | { value: string }
    | undefined;
  return row ? (JSON.parse(row.value) as EmbedderInfo) : null;
}

/** Throws a ValidationError unless `info` names an embedder and a dimension sqlite-vec can hold. */
export function checkEmbedderInfo(info: EmbedderInfo): void {
  if (typeof info?.name !== 'string' || info.name.length === 0)
    throw new ValidationError('embedder.name', 'must be a non-empty string');
  if (!Number.isInteger(info.dimensions) || info.dimensions < 1 || info.dimensions > MAX_DIMENSIONS) {
    throw new ValidationError(
      'embedder.dimensions',
      `must be an integer from 1 to ${MAX_DIMENSIONS}, got ${info.dimensions}`,
    );
  }
}

/**
 * Records the embedder on first use; refuses another one. Run inside the write lock: another process may have
 * recorded an embedder since this one opened.
 */
export function recordEmbedder(database: Database.Database, info: EmbedderInfo): void {
  const stored = readEmbedder(database);
  if (stored) checkSameEmbedder(stored, info);
  else {
    database
      .prepare("INSERT INTO astrocyte_meta (key, value) VALUES ('embedder', ?)")
      .run(JSON.stringify({ name: info.name, dimensions: info.dimensions }));
  }
}
