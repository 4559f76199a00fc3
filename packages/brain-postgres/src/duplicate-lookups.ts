import type { MemoryRecord } from '@astrocyte/core/backend';
import type pg from 'pg';
import { vectorLiteral } from './memory-rows.js';
import { EXACT_SCAN_LIMIT } from './planner-statistics.js';
import { indexedDistanceSql, type StoreSql } from './schema.js';

// The two lookups of live memories an insert makes before it writes (see insert-records.ts): exact content hashes
// with the size class of each bank, then the nearest neighbour of each record in its own bank.

// The near-duplicate check looks up one neighbour, close to a vector the index already holds, so a short candidate
// list finds it: looking up 1,000 stored embeddings in a 10k bank found their own row 975 times at 8, 994 at 16, 999
// at 40 and 1,000 at 100. It is kept apart from hnsw.efSearch, which recall raises (100 by default), so that a wider
// search for recall does not slow every insert.
const NEAR_DUPLICATE_EF_SEARCH = 40;

/** A record of the chunk being inserted, with its place in the call and its vector's norm. */
export interface Candidate {
  record: MemoryRecord;
  index: number;
  norm: number;
}

/** A memory a record may duplicate, with the tags it held when read. */
export interface Match {
  id: string;
  tags: string[];
  similarity: number;
  occurredAt: Date | null;
  expiresAt: Date | null;
}

/** A memory a record may be a near duplicate of, with its text, whose numbers the record must name too. */
export interface NearMatch extends Match {
  text: string;
}

/**
 * The live memories with the hash of a record of the chunk (other than the one it replaces), and, when the near check
 * runs (`near`), which of the chunk's banks hold more than EXACT_SCAN_LIMIT live memories: one round trip. Banks in
 * `largeBanks` are taken as large; the others are counted (the count stops at the limit) and added to it when they
 * are. Planner statistics lag behind a bank that grows inside this very transaction, so the near check's plan is
 * chosen here; when a bank needs the index, the same statement turns enable_sort off (which steers the next statement
 * to the index) and sets the candidate list of the near check, for the transaction.
 */
export async function existingHashes(
  client: pg.PoolClient,
  sql: StoreSql,
  chunk: Candidate[],
  near: boolean,
  largeBanks: Set<string>,
): Promise<{ exact: Map<string, Match>; large: Set<string> }> {
  const banks = near ? [...new Set(chunk.map((c) => c.record.bankId))] : [];
  const known = banks.filter((b) => largeBanks.has(b));
  const { rows } = await client.query<{
    large: string[];
    bank_id: string | null;
    content_hash: string;
    id: string;
    tags: string[];
    occurred_at: Date | null;
    expires_at: Date | null;
  }>(
    `SELECT s.large, s.settings, e.*
       FROM (SELECT sizes.large, CASE WHEN cardinality(sizes.large) > 0 OR cardinality($7::text[]) > 0
                    THEN set_config('enable_sort', 'off', true) || set_config('hnsw.ef_search', $6, true) END AS settings
               FROM (SELECT ARRAY(SELECT b FROM unnest($4::text[]) AS b
                                   WHERE (SELECT count(*) FROM (SELECT 1 FROM ${sql.memories} m WHERE m.bank_id = b LIMIT $5) AS c) > $5 - 1
                                 ) AS large) AS sizes) AS s
       LEFT JOIN LATERAL (
         SELECT m.bank_id, m.content_hash, m.id, m.tags, m.occurred_at, m.expires_at
           FROM ${sql.memories} m
           JOIN unnest($1::text[], $2::text[], $3::text[]) AS r(bank_id, content_hash, replaces)
             ON m.bank_id = r.bank_id AND m.content_hash = r.content_hash AND m.id IS DISTINCT FROM r.replaces
       ) AS e ON true`,
    [
      chunk.map((c) => c.record.bankId),
      chunk.map((c) => c.record.contentHash),
      chunk.map((c) => c.record.supersedes),
      banks.filter((b) => !largeBanks.has(b)),
      EXACT_SCAN_LIMIT + 1,
      String(NEAR_DUPLICATE_EF_SEARCH),
      known,
    ],
  );
  const exact = new Map<string, Match>();
  for (const r of rows) {
    if (r.bank_id === null) continue;
    exact.set(memoryKey(r.bank_id, r.content_hash), {
      id: r.id,
      tags: r.tags,
      similarity: 1,
      occurredAt: r.occurred_at,
      expiresAt: r.expires_at,
    });
  }
  for (const bank of rows[0]?.large ?? []) largeBanks.add(bank);
  return { exact, large: new Set([...known, ...(rows[0]?.large ?? [])]) };
}

/**
 * The nearest live memory of its own bank for the records of the chunk at `checked`, keyed by position in the chunk:
 * the index in `large` banks, first, while enable_sort is off (existingHashes turned it off); then, with it on again,
 * an exact scan in small ones (`+ 0` hides the ordering from the index). Nothing that sorts may be planned with it
 * off: a disabled sort's cost crosses the JIT thresholds, and compiling the plan takes hundreds of milliseconds. The
 * index lookup turns it on again itself, once, as it starts to run (planned with it off): a round trip less for
 * every write into a large bank (0.3 to 0.6 ms of a single retain's 10 at 10,000 memories).
 */
export async function nearestLive(
  client: pg.PoolClient,
  sql: StoreSql,
  chunk: Candidate[],
  checked: number[],
  large: Set<string>,
): Promise<Map<number, NearMatch>> {
  const nearest = new Map<number, NearMatch>();
  const bankOf = (i: number) => (chunk[i] as Candidate).record.bankId;
  // The index lookup turns sorts back on itself; when there is none, a statement of its own does.
  const sortLeftOff = large.size > 0 && !checked.some((i) => large.has(bankOf(i)));
  for (const useIndex of [true, false]) {
    const positions = checked.filter((i) => large.has(bankOf(i)) === useIndex);
    if (!useIndex && sortLeftOff) await client.query(`SELECT set_config('enable_sort', 'on', true)`);
    // An exact scan reads one small bank, named as a value: with the bank a lateral column the planner plans for an
    // average bank, and in a table of a few large banks it scans the whole table (70 ms at 100,000 memories, against
    // 3.6 through the bank's index).
    const groups = useIndex
      ? [positions]
      : [...new Set(positions.map(bankOf))].map((b) => positions.filter((i) => bankOf(i) === b));
    const order = useIndex ? indexedDistanceSql(sql, 'r.embedding') : `(m.embedding ${sql.distance} r.embedding) + 0`;
    for (const group of groups) {
      if (group.length === 0) continue;
      const { rows } = await client.query<{
        ord: string;
        id: string;
        tags: string[];
        occurred_at: Date | null;
        expires_at: Date | null;
        text: string;
        similarity: number;
      }>(
        `SELECT r.ord, n.id, n.tags, n.occurred_at, n.expires_at, n.text, n.similarity
           FROM unnest($1::text[], $2::${sql.vectorType}[], $3::text[]) WITH ORDINALITY AS r(bank_id, embedding, replaces, ord)
           CROSS JOIN LATERAL (
             SELECT m.id, m.tags, m.occurred_at, m.expires_at, m.text, 1 - (m.embedding ${sql.distance} r.embedding) AS similarity
               FROM ${sql.memories} m
              WHERE m.bank_id = ${useIndex ? 'r.bank_id' : '$4::text'} AND m.id IS DISTINCT FROM r.replaces
              ORDER BY ${order}
              LIMIT 1
           ) AS n
          ${useIndex ? SORT_BACK_ON : ''}`,
        [
          group.map(bankOf),
          group.map((i) => vectorLiteral((chunk[i] as Candidate).record.embedding)),
          group.map((i) => (chunk[i] as Candidate).record.supersedes),
          ...(useIndex ? [] : [bankOf(group[0] as number)]),
        ],
      );
      for (const r of rows) {
        const similarity = Number(r.similarity);
        if (Number.isFinite(similarity))
          nearest.set(group[Number(r.ord) - 1] as number, {
            id: r.id,
            tags: r.tags,
            similarity,
            occurredAt: r.occurred_at,
            expiresAt: r.expires_at,
            text: r.text,
          });
      }
    }
  }
  return nearest;
}

// A condition on nothing but a subquery is a one-time filter: evaluated once, before the statement reads a row.
const SORT_BACK_ON = `WHERE (SELECT set_config('enable_sort', 'on', true)) IS NOT NULL`;

/** The key of a memory (or content hash) within its bank. */
export function memoryKey(bankId: string, id: string): string {
  return `${bankId}\u0000${id}`;
}
