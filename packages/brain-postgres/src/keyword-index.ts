import { KEYWORD_WEIGHTS, type KeywordFields, keywordFields, spacedWords } from '@astrocyte/core/backend';
import type pg from 'pg';
import type { StoreSql } from './schema.js';

/** The text search configuration of the stored tsvector; keyword queries must use the same one. */
export const TEXT_SEARCH_CONFIG = 'english';

/**
 * The keyword entry of a memory from its keyword columns (SQL expressions of text): one weight class per column,
 * text A, date C, episode neighbours D (B is unused), so that ts_rank weighs them as KEYWORD_WEIGHTS.
 */
export function keywordVectorSql(columns: KeywordFields): string {
  const part = (value: string, weight: string) =>
    `setweight(to_tsvector('${TEXT_SEARCH_CONFIG}'::regconfig, ${value}), '${weight}')`;
  return [part(columns.text, 'A'), part(columns.date, 'C'), part(columns.context, 'D')].join(' || ');
}

/**
 * The length a keyword entry (SQL expression of a tsvector) is ranked by: the words of the memory's own text and
 * date (classes A and C), not its neighbours'. ts_rank's own normalization divides by the whole entry's length, which
 * ranked a short answer between two long turns as a long text (measured on the dev sets, docs/benchmarks.md).
 */
export function ownLengthSql(tsv: string): string {
  return `length(ts_filter(${tsv}, '{a,c}'))`;
}

// ts_rank refuses a weight above 1; scaling every weight alike keeps the order of any two ranks.
const WEIGHT_SCALE = Math.max(...Object.values(KEYWORD_WEIGHTS));

/** The weights argument of ts_rank, in its class order {D, C, B, A}: context, date, nothing, text. */
export const KEYWORD_RANK_WEIGHTS = `'{${[KEYWORD_WEIGHTS.context, KEYWORD_WEIGHTS.date, 0, KEYWORD_WEIGHTS.text]
  .map((weight) => weight / WEIGHT_SCALE)
  .join(',')}}'::float4[]`;

/** A memory's row as its keyword entry needs it, with the text of its live neighbours (null where it has none). */
interface EntryRow {
  bank_id: string;
  id: string;
  text: string;
  speaker: string | null;
  occurred_at: Date | null;
  created_at: Date;
  previous: string | null;
  next: string | null;
}

/**
 * The keyword columns of a row being written, from the record and its neighbours' text (previous first), each as
 * core's words: the parser of to_tsvector keeps paths, host names, versions, decimals and '-123' whole, which no
 * query term (core's words too) ever equals, where SQLite's and the in-memory store's indexes split them.
 */
export function entryFields(
  memory: { text: string; speaker: string | null; occurredAt: Date | null; createdAt: Date },
  neighbours: (string | null | undefined)[],
): KeywordFields {
  const fields = keywordFields(
    memory,
    neighbours.filter((text): text is string => typeof text === 'string'),
  );
  return { text: spacedWords(fields.text), date: spacedWords(fields.date), context: spacedWords(fields.context) };
}

/**
 * Rewrites the keyword entries of these memories from the rows as they are now (inside the caller's transaction,
 * which holds their banks' locks): what keeps every entry equal to entryFields of its row and live neighbours.
 */
export async function rewriteKeywordEntries(
  client: pg.ClientBase,
  table: string,
  memories: { bankId: string; id: string }[],
): Promise<void> {
  if (memories.length === 0) return;
  await rewrite(client, table, 'SELECT r.bank_id, r.id FROM unnest($1::text[], $2::text[]) AS r(bank_id, id)', [
    memories.map((m) => m.bankId),
    memories.map((m) => m.id),
  ]);
}

/**
 * After rows left a bank (erased or superseded; `removed` as DELETE ... RETURNING gives them): rewrites the entries
 * of the live memories just before and after each place they held in an episode, which had their text as context
 * and now have each other.
 */
export async function rewriteEpisodeNeighbours(
  client: pg.PoolClient,
  sql: StoreSql,
  bankId: string,
  removed: { episode_id: string | null; episode_position: number | null }[],
): Promise<void> {
  const places = removed.filter((r) => r.episode_id !== null);
  if (places.length === 0) return;
  const side = (comparison: string, order: string) =>
    `(SELECT m.id FROM ${sql.memories} m
       WHERE m.bank_id = $1 AND m.episode_id = p.episode_id AND m.episode_position ${comparison} p.position
       ORDER BY m.episode_position ${order} LIMIT 1)`;
  await rewrite(
    client,
    sql.memories,
    `SELECT DISTINCT $1::text AS bank_id, n.id
       FROM unnest($2::text[], $3::integer[]) AS p(episode_id, position)
      CROSS JOIN LATERAL (${side('<', 'DESC')} UNION ALL ${side('>', 'ASC')}) AS n`,
    [bankId, places.map((p) => p.episode_id), places.map((p) => p.episode_position)],
  );
}

// Reads the target rows (bank_id, id) with their live neighbours' text, then writes their entries: the date in
// words is core's, computed here, never formatted by SQL.
async function rewrite(client: pg.ClientBase, table: string, targets: string, values: unknown[]): Promise<void> {
  const neighbour = (comparison: string, order: string) =>
    `LEFT JOIN LATERAL (SELECT x.text FROM ${table} x
        WHERE x.bank_id = m.bank_id AND x.episode_id = m.episode_id AND x.episode_position ${comparison} m.episode_position
        ORDER BY x.episode_position ${order} LIMIT 1) AS ${order === 'DESC' ? 'p' : 'n'} ON true`;
  const { rows } = await client.query<EntryRow>(
    `WITH targets AS (${targets})
     SELECT m.bank_id, m.id, m.text, m.speaker, m.occurred_at, m.created_at, p.text AS previous, n.text AS next
       FROM targets r JOIN ${table} m ON m.bank_id = r.bank_id AND m.id = r.id
       ${neighbour('<', 'DESC')}
       ${neighbour('>', 'ASC')}`,
    values,
  );
  await writeKeywordEntries(
    client,
    table,
    rows.map((row) => ({
      bankId: row.bank_id,
      id: row.id,
      fields: entryFields(
        { text: row.text, speaker: row.speaker, occurredAt: row.occurred_at, createdAt: row.created_at },
        [row.previous, row.next],
      ),
    })),
  );
}

/**
 * Sets the keyword entries of existing rows of `memories` (a qualified table name) to the given columns, with the
 * length of their own text and date that ranking divides by (a neighbour's text changes no length, but a rebuild of
 * the entries' words does).
 */
export async function writeKeywordEntries(
  client: pg.ClientBase,
  memories: string,
  entries: { bankId: string; id: string; fields: KeywordFields }[],
): Promise<void> {
  if (entries.length === 0) return;
  await client.query(
    `UPDATE ${memories} m
        SET tsv = k.tsv, keyword_length = ${ownLengthSql('k.tsv')}
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS r(bank_id, id, text, date, context),
            LATERAL (SELECT ${keywordVectorSql({ text: 'r.text', date: 'r.date', context: 'r.context' })} AS tsv) AS k
      WHERE m.bank_id = r.bank_id AND m.id = r.id`,
    [
      entries.map((e) => e.bankId),
      entries.map((e) => e.id),
      entries.map((e) => e.fields.text),
      entries.map((e) => e.fields.date),
      entries.map((e) => e.fields.context),
    ],
  );
}
