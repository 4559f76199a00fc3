import { keywordFields } from '@astrocyte/core/backend';
import type pg from 'pg';
import { type KeywordRow, writeKeywordEntries } from './keyword-index.js';

// Rows read and rewritten per round trip: bounded memory whatever the texts' length, few round trips.
const BATCH_SIZE = 1000;

/**
 * Writes the keyword entry of every memory of the schema (`schema` quoted), inside the migration's transaction,
 * from the rows as they are: at migration 3 no memory has a speaker or an episode yet.
 *
 * Rewriting a row gives it a new tuple, which every index of the table receives again. With the HNSW graph in
 * place that measured 2.3 ms a row (20k memories of 384 dimensions); dropping the graph, rewriting (0.1 ms a row)
 * and building it again from its own definition took half that in all. The build still dominates: it costs what
 * building the index once costs, more when the graph outgrows maintenance_work_mem.
 */
export async function rebuildKeywordEntries(client: pg.ClientBase, schema: string): Promise<void> {
  const memories = `${schema}.memories`;
  const { rows: any } = await client.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${memories}) AS found`);
  if (!any[0]?.found) return;
  const { rows: graphs } = await client.query<{ name: string; definition: string }>(
    `SELECT quote_ident(c.relname) AS name, pg_get_indexdef(c.oid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
      WHERE i.indrelid = $1::regclass AND a.amname = 'hnsw'`,
    [memories],
  );
  for (const graph of graphs) await client.query(`DROP INDEX ${schema}.${graph.name}`);
  // The cursor reads the rows as they were when it opened: the rewritten ones are never read again.
  await client.query(
    `DECLARE keyword_backfill NO SCROLL CURSOR FOR
       SELECT bank_id, id, text, speaker, occurred_at, created_at FROM ${memories}`,
  );
  for (;;) {
    const { rows } = await client.query<KeywordRow>(`FETCH ${BATCH_SIZE} FROM keyword_backfill`);
    if (rows.length === 0) break;
    await writeKeywordEntries(
      client,
      memories,
      rows.map((row) => ({
        bankId: row.bank_id,
        id: row.id,
        fields: keywordFields(
          { text: row.text, speaker: row.speaker, occurredAt: row.occurred_at, createdAt: row.created_at },
          [],
        ),
      })),
    );
  }
  await client.query('CLOSE keyword_backfill');
  for (const graph of graphs) await client.query(graph.definition);
  // The planner estimates keyword matches from the column's statistics, which the new column does not have yet.
  await client.query(`ANALYZE ${memories}`);
}
