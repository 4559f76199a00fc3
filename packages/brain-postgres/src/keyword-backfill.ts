import type pg from 'pg';
import { withoutHnswGraphs } from './hnsw-rebuild.js';
import { rewriteKeywordEntries } from './keyword-index.js';

// Rows rewritten per round trip: bounded memory whatever the texts' length, few round trips.
const BATCH_SIZE = 1000;

/**
 * Writes the keyword entry of every memory of the schema (`schema` quoted) from its row and live neighbours as they
 * are, inside the migration's transaction. Every row is rewritten, so the HNSW graph is built again after
 * (withoutHnswGraphs).
 */
export async function rebuildKeywordEntries(client: pg.ClientBase, schema: string): Promise<void> {
  const memories = `${schema}.memories`;
  const { rows: any } = await client.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${memories}) AS found`);
  if (!any[0]?.found) return;
  await withoutHnswGraphs(client, schema, async () => {
    // The cursor reads the rows as they were when it opened: the rewritten ones are never read again.
    await client.query(`DECLARE keyword_backfill NO SCROLL CURSOR FOR SELECT bank_id, id FROM ${memories}`);
    for (;;) {
      const { rows } = await client.query<{ bank_id: string; id: string }>(`FETCH ${BATCH_SIZE} FROM keyword_backfill`);
      if (rows.length === 0) break;
      await rewriteKeywordEntries(
        client,
        memories,
        rows.map((row) => ({ bankId: row.bank_id, id: row.id })),
      );
    }
    await client.query('CLOSE keyword_backfill');
  });
  // The planner estimates keyword matches from the column's statistics, which the rewritten column does not have yet.
  await client.query(`ANALYZE ${memories}`);
}
