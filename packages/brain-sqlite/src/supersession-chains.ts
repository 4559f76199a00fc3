import { ValidationError } from '@astrocyte/core';
import type { ChainMember, MemorySelector } from '@astrocyte/core/backend';
import type { StatementCache } from './statement-cache.js';

// A superseded memory lives on only in memory_versions: its `supersede` row keeps the text and the tags it carried
// (both nulled when it is erased) and names, in related_id, the memory that replaced it.
const SUPERSEDED_ROW = `v.bank_id = @bank AND v.action = 'supersede' AND v.text IS NOT NULL`;
const CREATED_AT = '(SELECT MIN(f.at) FROM memory_versions f WHERE f.memory_id = v.memory_id)';

// The memories, live or superseded, a selector matches; a superseded one by the tags it carried and the time of its
// first version (its creation).
const SEEDS = {
  ids: 'SELECT value FROM json_each(@ids)',
  tags: `SELECT m.id FROM memory_tags t JOIN memories m ON m.seq = t.seq
         WHERE t.bank_id = @bank AND t.tag IN (SELECT value FROM json_each(@tags))
         UNION SELECT v.memory_id FROM memory_versions v WHERE ${SUPERSEDED_ROW}
           AND EXISTS (SELECT 1 FROM json_each(v.tags) t WHERE t.value IN (SELECT value FROM json_each(@tags)))`,
  before: `SELECT id FROM memories WHERE bank_id = @bank AND created_at < @before
           UNION SELECT v.memory_id FROM memory_versions v WHERE ${SUPERSEDED_ROW} AND ${CREATED_AT} < @before`,
  all: `SELECT id FROM memories WHERE bank_id = @bank
        UNION SELECT v.memory_id FROM memory_versions v WHERE ${SUPERSEDED_ROW}`,
};

// The chain through the seeds: memories they replaced and memories that replaced them, to the ends.
const CHAIN = `
  chain(id) AS (
    SELECT id FROM seeds
    UNION SELECT v.memory_id FROM memory_versions v JOIN chain c ON v.related_id = c.id
          WHERE v.bank_id = @bank AND v.action = 'supersede'
    UNION SELECT v.related_id FROM memory_versions v JOIN chain c ON v.memory_id = c.id
          WHERE v.bank_id = @bank AND v.action = 'supersede'
  )`;

type MemberRow = {
  id: string;
  tags: string | null;
  created_at: number;
  superseded_by: string | null;
  document_id: string | null;
  selected: number;
};

/** The supersession chains of a bank through the memories the selector matches (MemoryStore.chains). */
export function chainMembers(statements: StatementCache, bankId: string, selector: MemorySelector): ChainMember[] {
  const [shape, params] = seedsOf(selector);
  const rows = statements
    .prepare(
      `WITH RECURSIVE seeds(id) AS (${SEEDS[shape]}), ${CHAIN}
       SELECT m.id, m.tags, m.created_at, NULL AS superseded_by, m.document_id,
              m.id IN (SELECT id FROM seeds) AS selected
       FROM chain c JOIN memories m ON m.id = c.id WHERE m.bank_id = @bank
       UNION ALL
       SELECT v.memory_id, v.tags, ${CREATED_AT}, v.related_id, v.document_id, v.memory_id IN (SELECT id FROM seeds)
       FROM chain c JOIN memory_versions v ON v.memory_id = c.id WHERE ${SUPERSEDED_ROW}`,
    )
    .all({ bank: bankId, ...params }) as MemberRow[];
  return rows.map((row) => ({
    id: row.id,
    // Memories superseded before their tags were kept have none to show.
    tags: row.tags === null ? [] : (JSON.parse(row.tags) as string[]),
    createdAt: new Date(row.created_at),
    supersededBy: row.superseded_by,
    documentId: row.document_id,
    selected: row.selected === 1,
  }));
}

/** The superseded memories of a bank among `ids` whose text is not yet erased. */
export function supersededAmong(statements: StatementCache, bankId: string, ids: string[]): string[] {
  return statements
    .prepare(
      `SELECT v.memory_id FROM json_each(@ids) j JOIN memory_versions v ON v.memory_id = j.value WHERE ${SUPERSEDED_ROW}`,
    )
    .pluck()
    .all({ bank: bankId, ids: JSON.stringify(ids) }) as string[];
}

/** Nulls the text and tags of a memory's versions and of every memory it replaced, through the whole chain. */
export function eraseChainContent(statements: StatementCache, bankId: string, id: string): void {
  statements
    .prepare(
      `WITH RECURSIVE chain(id) AS (
         SELECT @id
         UNION
         SELECT v.memory_id FROM memory_versions v JOIN chain c ON v.related_id = c.id
         WHERE v.bank_id = @bank AND v.action = 'supersede'
       )
       UPDATE memory_versions SET text = NULL, tags = NULL
       WHERE bank_id = @bank AND memory_id IN (SELECT id FROM chain) AND (text IS NOT NULL OR tags IS NOT NULL)`,
    )
    .run({ id, bank: bankId });
}

function seedsOf(selector: MemorySelector): [keyof typeof SEEDS, Record<string, unknown>] {
  if (selector.ids) return ['ids', { ids: JSON.stringify([...new Set(selector.ids)]) }];
  if (selector.tags) return ['tags', { tags: JSON.stringify([...new Set(selector.tags)]) }];
  if (selector.before) return ['before', { before: selector.before.getTime() }];
  if (selector.all === true) return ['all', {}];
  throw new ValidationError('selector', 'chains take one of ids, tags, before or all');
}
