import { type JsonValue, ValidationError } from '@astrocyte/core';
import {
  checkMemoryLimits,
  checkNotHeld,
  checkSameEmbedder,
  checkVector,
  type EmbedderInfo,
  type EraseOptions,
  type InsertOptions,
  type InsertOutcome,
  limitedBanks,
  type MemoryRecord,
  type VersionStamp,
} from '@astrocyte/core/backend';
import type pg from 'pg';
import type { PostgresConnection } from './connection.js';
import { instant } from './filter-sql.js';
import { insertRecords } from './insert-records.js';
import { rewriteEpisodeNeighbours } from './keyword-index.js';
import { nextVersionSql } from './memory-rows.js';
import type { PlannerStatistics } from './planner-statistics.js';
import type { EmbeddedSql, StoreSql } from './schema.js';
import { eraseChainContent, supersededAmong } from './supersession-chains.js';

/**
 * Every write of the store: insert (exact and near-duplicate checks, supersession, episodes; see insert-records.ts)
 * and erase (rows, keyword entries of episode neighbours, the text and tags in history down the supersession chain,
 * tombstones). Each runs in one transaction holding the advisory locks of the banks it writes; the planner
 * statistics follow it.
 */
export class MemoryWriter {
  constructor(
    private readonly db: PostgresConnection,
    private readonly sql: StoreSql,
    private readonly statistics: PlannerStatistics,
    /** Whether pgvector (0.8 and later) can continue an index scan until filtered rows fill the limit. */
    private readonly iterativeScans: boolean,
  ) {}

  /**
   * Stores records in one transaction holding each involved bank's advisory lock (see MemoryStore.insert), after
   * checking every record against what Postgres can store and the recorded embedder's dimension.
   */
  async insert(
    records: MemoryRecord[],
    options: InsertOptions,
    sql: EmbeddedSql,
    embedder: EmbedderInfo,
  ): Promise<InsertOutcome[]> {
    for (const [i, record] of records.entries()) checkRecord(record, embedder.dimensions, i);
    const limits = limitedBanks(records, options);
    const banks = records.map((r) => r.bankId);
    // Banks known to be past the exact-scan limit (a stale answer costs speed, never correctness; see BankSizeCache).
    const large = new Set([...new Set(banks)].filter((bank) => this.statistics.bankSizes.get([bank]) === true));
    const outcomes = await this.db.transaction(async (client) => {
      const recorded = await lockForInsert(client, sql, banks, this.iterativeScans);
      checkSameEmbedder(recorded ?? embedder, embedder);
      // Counted under the banks' locks, so that no other writer (of any process) fills a bank before this commits.
      const before = await liveCounts(client, sql, limits);
      const inserted = await insertRecords(client, sql, records, options, large);
      checkMemoryLimits(limits, before, await liveCounts(client, sql, limits));
      return inserted;
    });
    await this.statistics.recordStored(outcomes.filter((o) => o.status === 'stored').length);
    // A bank counted large stays so for the cache's lifetime: the next inserts (and searches) need not count it.
    for (const bank of large) this.statistics.bankSizes.set([bank], true);
    return outcomes;
  }

  /**
   * Erases live memories and superseded ones whose text is not yet erased: deletes the live rows (and with them
   * their vectors and tsvectors), rewrites their episode neighbours' keyword entries without their text, clears the
   * text and tags of the targets' versions and of every memory they superseded, directly or down a chain, and writes
   * a content-free tombstone for each target. Returns the ids named that were erased.
   */
  async erase(bankId: string, ids: string[], stamp: VersionStamp, options?: EraseOptions): Promise<string[]> {
    if (ids.length === 0) return [];
    const { sql } = this;
    const unique = [...new Set(ids)];
    const erasedIds = await this.db.transaction(async (client) => {
      await lockBanks(client, sql, [bankId]);
      if (!options?.overrideLegalHold && options?.holdTags?.length) {
        const held = await client.query<{ id: string; tags: string[] }>(
          `SELECT id, tags FROM ${sql.memories} WHERE bank_id = $1 AND id = ANY($2::text[]) AND tags && $3::text[]`,
          [bankId, unique, options.holdTags],
        );
        checkNotHeld(held.rows, options);
      }
      // Chosen before anything is erased: erasing a memory empties the ones it replaced, which may be named too.
      const superseded = await supersededAmong(client, sql, bankId, unique);
      const { rows } = await client.query<{
        id: string;
        episode_id: string | null;
        episode_position: number | null;
      }>(
        `DELETE FROM ${sql.memories} WHERE bank_id = $1 AND id = ANY($2::text[]) RETURNING id, episode_id, episode_position`,
        [bankId, unique],
      );
      const targets = [...rows.map((r) => r.id), ...superseded];
      if (targets.length === 0) return [];
      await rewriteEpisodeNeighbours(client, sql, bankId, rows);
      await eraseChainContent(client, sql, bankId, targets);
      await client.query(
        `INSERT INTO ${sql.versions} (bank_id, memory_id, version, action, text, actor, reason, at)
         SELECT $1, e.id, ${nextVersionSql(sql, '$1', 'e.id')} + 1, $3, NULL, $4, $5, $6 FROM unnest($2::text[]) AS e(id)`,
        [bankId, targets, stamp.action, stamp.actor ?? null, stamp.reason ?? null, instant(stamp.at)],
      );
      const wasErased = new Set(targets);
      return unique.filter((id) => wasErased.has(id));
    });
    this.statistics.recordErased();
    return erasedIds;
  }
}

// The advisory locks of banks, in key order, so that writers of overlapping banks cannot deadlock.
const BANK_KEYS_SQL = 'SELECT DISTINCT hashtextextended($1 || b, 0) AS k FROM unnest($2::text[]) AS b ORDER BY k';

/** Locks banks for the rest of the transaction, in key order. */
export async function lockBanks(client: pg.PoolClient, sql: StoreSql, bankIds: string[]): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(k) FROM (${BANK_KEYS_SQL}) AS keys`, [
    `astrocyte:${sql.schema}:bank:`,
    [...new Set(bankIds)],
  ]);
}

/**
 * Takes a share lock on the recorded embedder, then the banks' locks, in one statement, and returns the embedder. A
 * re-embedding's switch holds the embedder's row for update: an insert waits for it to commit and then reads the
 * new embedder (so vectors of the old model are refused), and a switch waits for the inserts under way. The row
 * comes first, so that no insert holds a bank's lock while it waits for the switch. The same round trip turns on
 * pgvector's iterative scans for the rest of the transaction (when `iterativeScans`): the near-duplicate check wants
 * the true nearest neighbour of the bank, in order, however many banks share the index.
 */
async function lockForInsert(
  client: pg.PoolClient,
  sql: StoreSql,
  bankIds: string[],
  iterativeScans: boolean,
): Promise<EmbedderInfo | null> {
  const iterative = iterativeScans ? `set_config('hnsw.iterative_scan', 'strict_order', true)` : 'NULL';
  const { rows } = await client.query<{ value: EmbedderInfo | null }>(
    `SELECT r.value, (SELECT count(pg_advisory_xact_lock(k)) FROM (${BANK_KEYS_SQL}) AS keys WHERE r.value IS NOT NULL)
       FROM (SELECT ${iterative}) AS settings
       LEFT JOIN (SELECT value FROM ${sql.meta} WHERE key = 'embedder' FOR SHARE) AS r ON true`,
    [`astrocyte:${sql.schema}:bank:`, [...new Set(bankIds)]],
  );
  return rows[0]?.value ?? null;
}

// The live memories of each limited bank (the `memories` table holds live memories only); no query without limits.
async function liveCounts(
  client: pg.PoolClient,
  sql: StoreSql,
  limits: Map<string, number>,
): Promise<Map<string, number>> {
  if (limits.size === 0) return new Map();
  const { rows } = await client.query<{ bank_id: string; n: string }>(
    `SELECT b.bank_id, (SELECT count(*) FROM ${sql.memories} m WHERE m.bank_id = b.bank_id) AS n
       FROM unnest($1::text[]) AS b(bank_id)`,
    [[...limits.keys()]],
  );
  return new Map(rows.map((r) => [r.bank_id, Number(r.n)]));
}

// Postgres text and jsonb cannot hold NUL, and pgvector refuses NaN: reject before the transaction starts.
function checkRecord(record: MemoryRecord, dimensions: number, index: number): void {
  const field = `records[${index}]`;
  checkVector(record.embedding, dimensions, `${field}.embedding`);
  const nul = '\u0000';
  if (record.text.includes(nul))
    throw new ValidationError(`${field}.text`, 'must not contain NUL characters (Postgres cannot store them)');
  if (
    record.tags.some((t) => t.includes(nul)) ||
    [record.path, record.speaker, record.episodeId, record.documentId].some((value) => value?.includes(nul)) ||
    holdsNul(record.metadata)
  ) {
    throw new ValidationError(
      field,
      'tags, path, speaker, episode, document and metadata must not contain NUL characters (Postgres cannot store them)',
    );
  }
}

// A real NUL in a key or string of a JSON value: searching the JSON text would also match the literal text `\u0000`.
function holdsNul(value: JsonValue): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  return false;
}
