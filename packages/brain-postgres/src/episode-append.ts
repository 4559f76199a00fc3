import type { KeywordFields, MemoryRecord } from '@astrocyte/core/backend';
import type pg from 'pg';
import { entryFields } from './keyword-index.js';
import type { StoreSql } from './schema.js';

/** Where a new record goes: its place in its episode (null outside one) and its keyword columns. */
export interface Placement {
  position: number | null;
  fields: KeywordFields;
}

/** Where records go, and the live memories whose entries gain one of them as a neighbour once they are in. */
export interface Placements {
  placements: Placement[];
  neighbours: { bankId: string; id: string }[];
}

/**
 * Places records, in order, at the end of their episodes: positions after the episode's live last memory, keyword
 * columns with their neighbours' text (that last memory or the record before, and the record after). Runs inside
 * the caller's transaction, which holds the banks' locks, so no other writer takes the same positions. The
 * neighbours returned are those last memories.
 */
export async function appendToEpisodes(
  client: pg.PoolClient,
  sql: StoreSql,
  records: MemoryRecord[],
): Promise<Placements> {
  const members = new Map<string, number[]>();
  for (const [i, record] of records.entries()) {
    if (record.episodeId === null) continue;
    const key = episodeKey(record.bankId, record.episodeId);
    members.set(key, [...(members.get(key) ?? []), i]);
  }
  const last = new Map<string, { bank_id: string; id: string; episode_position: number; text: string }>();
  if (members.size > 0) {
    const firsts = [...members.values()].map((list) => records[list[0] as number] as MemoryRecord);
    const { rows } = await client.query<{
      bank_id: string;
      episode_id: string;
      id: string;
      episode_position: number;
      text: string;
    }>(
      `SELECT r.bank_id, r.episode_id, t.id, t.episode_position, t.text
         FROM unnest($1::text[], $2::text[]) AS r(bank_id, episode_id)
        CROSS JOIN LATERAL (SELECT m.id, m.episode_position, m.text FROM ${sql.memories} m
                             WHERE m.bank_id = r.bank_id AND m.episode_id = r.episode_id
                             ORDER BY m.episode_position DESC LIMIT 1) AS t`,
      [firsts.map((r) => r.bankId), firsts.map((r) => r.episodeId)],
    );
    for (const row of rows) last.set(episodeKey(row.bank_id, row.episode_id), row);
  }
  const textAt = (i: number | undefined) => (i === undefined ? undefined : records[i]?.text);
  const placements = records.map((record, i): Placement => {
    if (record.episodeId === null) return { position: null, fields: entryFields(record, []) };
    const key = episodeKey(record.bankId, record.episodeId);
    const list = members.get(key) as number[];
    const at = list.indexOf(i);
    const before = last.get(key);
    return {
      position: (before?.episode_position ?? -1) + 1 + at,
      fields: entryFields(record, [at > 0 ? textAt(list[at - 1]) : before?.text, textAt(list[at + 1])]),
    };
  });
  return { placements, neighbours: [...last.values()].map((row) => ({ bankId: row.bank_id, id: row.id })) };
}

/**
 * Places a record at `position` of its episode, the place of the memories it replaced (a corrected turn's), with the
 * text of the live memories just before and after it as its neighbours', which are the neighbours returned.
 */
export async function placeInEpisode(
  client: pg.PoolClient,
  sql: StoreSql,
  record: MemoryRecord & { episodeId: string },
  position: number,
): Promise<Placements> {
  const side = (comparison: string, order: string) =>
    `(SELECT id, text, '${comparison}' AS side FROM ${sql.memories}
       WHERE bank_id = $1 AND episode_id = $2 AND episode_position ${comparison} $3
       ORDER BY episode_position ${order} LIMIT 1)`;
  const { rows } = await client.query<{ id: string; text: string; side: '<' | '>' }>(
    `${side('<', 'DESC')} UNION ALL ${side('>', 'ASC')}`,
    [record.bankId, record.episodeId, position],
  );
  const textOn = (side: string) => rows.find((row) => row.side === side)?.text;
  return {
    placements: [{ position, fields: entryFields(record, [textOn('<'), textOn('>')]) }],
    neighbours: rows.map((row) => ({ bankId: record.bankId, id: row.id })),
  };
}

function episodeKey(bankId: string, episodeId: string): string {
  return `${bankId}\u0000${episodeId}`;
}
