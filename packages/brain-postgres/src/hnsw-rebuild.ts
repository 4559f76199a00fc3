import type pg from 'pg';

/**
 * Runs `rewrite`, which rewrites rows of `schema`'s memories table (`schema` quoted), with the table's HNSW graphs
 * dropped, and builds them again from their own definitions after. Rewriting a row gives it a new tuple, which every
 * index of the table receives again: with the graph in place that measured 2.3 ms a row (20k memories of 384
 * dimensions); dropping the graph, rewriting (0.1 ms a row) and building it again took half that in all. The build
 * still dominates: it costs what building the index once costs, more when the graph outgrows maintenance_work_mem.
 */
export async function withoutHnswGraphs(
  client: pg.ClientBase,
  schema: string,
  rewrite: () => Promise<void>,
): Promise<void> {
  const { rows: graphs } = await client.query<{ name: string; definition: string }>(
    `SELECT quote_ident(c.relname) AS name, pg_get_indexdef(c.oid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
      WHERE i.indrelid = $1::regclass AND a.amname = 'hnsw'`,
    [`${schema}.memories`],
  );
  for (const graph of graphs) await client.query(`DROP INDEX ${schema}.${graph.name}`);
  await rewrite();
  for (const graph of graphs) await client.query(graph.definition);
}
