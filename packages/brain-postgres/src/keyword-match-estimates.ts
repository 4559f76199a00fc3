import type { PostgresConnection } from './connection.js';

/** The planner's estimates for a keyword search. */
export interface MatchEstimates {
  /** The memories of the table, all banks. */
  stored: number;
  /** The memories the search's conditions select. */
  searched: number;
  /** Per term, in order, the memories of the table it matches (at most `stored`). */
  matches: number[];
}

interface PlanNode {
  'Node Type': string;
  'Plan Rows': number;
  'Parallel Aware'?: boolean;
  Output?: string[];
  Plans?: PlanNode[];
}

/**
 * Asks the planner how many memories the table holds, how many the search's conditions (`where`, on alias `m`)
 * select, and how many each term (`terms`, tsquery expressions) matches in the table. One EXPLAIN, no rows read:
 * counting a common word's matches would read all its index entries. Term estimates come from the lexeme
 * statistics ANALYZE keeps (the store refreshes them as the table grows): close for common words, coarse for rare
 * ones; without statistics every term gets the same estimate.
 */
export async function estimateMatches(
  db: PostgresConnection,
  memories: string,
  where: string,
  terms: string[],
  values: unknown[],
): Promise<MatchEstimates> {
  // Each branch selects its own number, which the verbose plan shows as its output.
  const conditions = ['true', where, ...terms.map((term) => `m.tsv @@ ${term}`)];
  const branches = conditions.map((condition, i) => `SELECT ${i} FROM ${memories} m WHERE ${condition}`);
  const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (FORMAT JSON, VERBOSE) ${branches.join(' UNION ALL ')}`,
    values,
  );
  const [stored = 1, searched = 1, ...perTerm] = branchRows(rows[0]?.['QUERY PLAN'][0].Plan, conditions.length);
  return {
    stored,
    searched: Math.min(stored, searched),
    matches: terms.map((_, i) => Math.min(stored, perTerm[i] ?? stored)),
  };
}

/**
 * The estimated rows of each of the `count` branches of a UNION ALL plan: the children of its Append, found by
 * their output (a parallel Append reorders them). Under a Gather (a parallel plan) a parallel-aware child's
 * estimate is per process; scaled back by the Gather's own ratio.
 */
function branchRows(plan: PlanNode | undefined, count: number): number[] {
  let node = plan;
  let perProcess = 1;
  while (node && node['Node Type'] !== 'Append') {
    const child = node.Plans?.[0];
    if (child && node['Node Type'].startsWith('Gather'))
      perProcess = node['Plan Rows'] / Math.max(1, child['Plan Rows']);
    node = child;
  }
  const rows: number[] = [];
  for (const branch of node?.Plans ?? []) {
    const index = Number(branch.Output?.[0]);
    if (Number.isInteger(index) && index >= 0 && index < count)
      rows[index] = Math.max(1, branch['Plan Rows'] * (branch['Parallel Aware'] ? perProcess : 1));
  }
  return rows;
}
