import { ValidationError } from '@astrocyte/core';
import type { ChainMember, MemorySelector } from '@astrocyte/core/backend';
import type pg from 'pg';
import { instant } from './filter-sql.js';
import type { StoreSql } from './schema.js';

// A superseded memory lives on only in memory_versions: its `supersede` row keeps the text and the tags it carried
// (both nulled when it is erased) and names, in related_id, the memory that replaced it. $1 is always the bank.
const SUPERSEDED_ROW = `v.bank_id = $1 AND v.action = 'supersede' AND v.text IS NOT NULL`;

// A superseded memory's creation time is that of its first version.
function createdAtSql(sql: StoreSql): string {
  return `(SELECT min(f.at) FROM ${sql.versions} f WHERE f.bank_id = v.bank_id AND f.memory_id = v.memory_id)`;
}

// The memories, live or superseded, a selector matches ($2 is the selector's value); a superseded one by the tags it
// carried and its creation time.
function seedsSql(sql: StoreSql, shape: 'ids' | 'tags' | 'before' | 'all'): string {
  switch (shape) {
    case 'ids':
      return 'SELECT unnest($2::text[])';
    case 'tags':
      return `SELECT m.id FROM ${sql.memories} m WHERE m.bank_id = $1 AND m.tags && $2::text[]
              UNION SELECT v.memory_id FROM ${sql.versions} v WHERE ${SUPERSEDED_ROW} AND v.tags && $2::text[]`;
    case 'before':
      return `SELECT m.id FROM ${sql.memories} m WHERE m.bank_id = $1 AND m.created_at < $2::timestamptz
              UNION SELECT v.memory_id FROM ${sql.versions} v WHERE ${SUPERSEDED_ROW} AND ${createdAtSql(sql)} < $2::timestamptz`;
    case 'all':
      return `SELECT m.id FROM ${sql.memories} m WHERE m.bank_id = $1
              UNION SELECT v.memory_id FROM ${sql.versions} v WHERE ${SUPERSEDED_ROW}`;
  }
}

// The chain through the seeds: memories they replaced and memories that replaced them, to the ends. Postgres allows
// the recursive term one reference to `chain`, so both directions are one lateral step.
function chainSql(sql: StoreSql): string {
  return `chain(id) AS (
    SELECT id FROM seeds
    UNION
    SELECT n.id FROM chain c CROSS JOIN LATERAL (
      SELECT v.memory_id AS id FROM ${sql.versions} v
       WHERE v.bank_id = $1 AND v.related_id = c.id AND v.action = 'supersede'
      UNION ALL
      SELECT v.related_id FROM ${sql.versions} v
       WHERE v.bank_id = $1 AND v.memory_id = c.id AND v.action = 'supersede'
    ) AS n
  )`;
}

type MemberRow = {
  id: string;
  tags: string[] | null;
  created_at: Date;
  superseded_by: string | null;
  document_id: string | null;
  selected: boolean;
};

/** The supersession chains of a bank through the memories the selector matches (MemoryStore.chains). */
export async function chainMembers(
  client: pg.Pool | pg.ClientBase,
  sql: StoreSql,
  bankId: string,
  selector: MemorySelector,
): Promise<ChainMember[]> {
  const [shape, values] = seedsOf(selector);
  const { rows } = await client.query<MemberRow>(
    `WITH RECURSIVE seeds(id) AS (${seedsSql(sql, shape)}), ${chainSql(sql)}
     SELECT m.id, m.tags, m.created_at, NULL AS superseded_by, m.document_id,
            m.id IN (SELECT id FROM seeds) AS selected
       FROM chain c JOIN ${sql.memories} m ON m.bank_id = $1 AND m.id = c.id
     UNION ALL
     SELECT v.memory_id, v.tags, ${createdAtSql(sql)}, v.related_id, v.document_id,
            v.memory_id IN (SELECT id FROM seeds)
       FROM chain c JOIN ${sql.versions} v ON v.memory_id = c.id WHERE ${SUPERSEDED_ROW}`,
    [bankId, ...values],
  );
  return rows.map((row) => ({
    id: row.id,
    // Memories superseded before their tags were kept have none to show.
    tags: row.tags ?? [],
    createdAt: row.created_at,
    supersededBy: row.superseded_by,
    documentId: row.document_id,
    selected: row.selected,
  }));
}

/** The superseded memories of a bank among `ids` whose text is not yet erased. */
export async function supersededAmong(
  client: pg.ClientBase,
  sql: StoreSql,
  bankId: string,
  ids: string[],
): Promise<string[]> {
  const { rows } = await client.query<{ memory_id: string }>(
    `SELECT v.memory_id FROM ${sql.versions} v WHERE ${SUPERSEDED_ROW} AND v.memory_id = ANY($2::text[])`,
    [bankId, ids],
  );
  return rows.map((r) => r.memory_id);
}

/** Nulls the text and tags of the memories' versions and of every memory they replaced, through the whole chain. */
export async function eraseChainContent(
  client: pg.ClientBase,
  sql: StoreSql,
  bankId: string,
  ids: string[],
): Promise<void> {
  await client.query(
    `WITH RECURSIVE chain(id) AS (
       SELECT unnest($2::text[])
       UNION
       SELECT v.memory_id FROM ${sql.versions} v JOIN chain c ON v.related_id = c.id
        WHERE v.bank_id = $1 AND v.action = 'supersede'
     )
     UPDATE ${sql.versions} SET text = NULL, tags = NULL
      WHERE bank_id = $1 AND memory_id IN (SELECT id FROM chain) AND (text IS NOT NULL OR tags IS NOT NULL)`,
    [bankId, ids],
  );
}

function seedsOf(selector: MemorySelector): ['ids' | 'tags' | 'before' | 'all', unknown[]] {
  if (selector.ids) return ['ids', [[...new Set(selector.ids)]]];
  if (selector.tags) return ['tags', [[...new Set(selector.tags)]]];
  if (selector.before) return ['before', [instant(selector.before)]];
  if (selector.all === true) return ['all', []];
  throw new ValidationError('selector', 'chains take one of ids, tags, before or all');
}
