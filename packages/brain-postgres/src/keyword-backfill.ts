import { keywordFields } from '@astrocyte/core/backend';
import type pg from 'pg';
import { withoutHnswGraphs } from './hnsw-rebuild.js';
import { type KeywordRow, writeKeywordEntries } from './keyword-index.js';

// Rows read and rewritten per round trip: bounded memory whatever the texts' length, few round trips.
const BATCH_SIZE = 1000;

/**
 * Writes the keyword entry of every memory of the schema (`schema` quoted), inside the migration's transaction,
 * from the rows as they are: at migration 3 no memory has a speaker or an episode yet. Every row is rewritten, so
 * the HNSW graph is built again after (withoutHnswGraphs).
 */
export async function rebuildKeywordEntries(client: pg.ClientBase, schema: string): Promise<void> {
  const memories = `${schema}.memories`;
  const { rows: any } = await client.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${memories}) AS found`);
  if (!any[0]?.found) return;
  await withoutHnswGraphs(client, schema, async () => {
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
  });
  // The planner estimates keyword matches from the column's statistics, which the new column does not have yet.
  await client.query(`ANALYZE ${memories}`);
}
