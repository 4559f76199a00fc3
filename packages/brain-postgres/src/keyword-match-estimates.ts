import type { PostgresConnection } from './connection.js';
import type { ExpiringMap } from './expiring-map.js';
import { Params } from './filter-sql.js';
import { TEXT_SEARCH_CONFIG } from './keyword-index.js';

/** The planner's estimates for a keyword search. */
export interface MatchEstimates {
  /** The memories of the table, all banks. */
  stored: number;
  /** The memories the search's conditions select. */
  searched: number;
  /** Per term, in order, the memories of the table it matches (at most `stored`). */
  matches: number[];
}

/** A keyword search as the estimates need it. */
export interface EstimatedSearch {
  /** The search's conditions on alias `m`, written with the parameters given. */
  where: (params: Params) => string;
  /** What `where` selects, as a key: the same scope selects about as many memories. */
  scope: string;
  terms: string[];
}

interface PlanNode {
  'Node Type': string;
  'Plan Rows': number;
  'Parallel Aware'?: boolean;
  Output?: string[];
  Plans?: PlanNode[];
}

/** A term as a tsquery: it goes through plainto_tsquery as a parameter, so user text is never parsed as tsquery syntax. */
export function termQuery(params: Params, term: string): string {
  return `plainto_tsquery('${TEXT_SEARCH_CONFIG}'::regconfig, ${params.add(term)})`;
}

// Keys of a store's keyword statistics (see estimateMatches).
const TERM_ESTIMATE = 'estimate\u0000';
/** The key of a term's counted matches. */
export const countKey = (term: string) => `count\u0000${term}`;
/**
 * Whether a key is a term's estimated matches, which only ANALYZE changes. Writes change the others: the table's size,
 * a scope's, a term's count.
 */
export const isTermEstimate = (key: string) => key.startsWith(TERM_ESTIMATE);

/**
 * Asks the planner how many memories the table holds, how many the search's conditions select, and how many each
 * term matches in the table. One EXPLAIN, no rows read: counting a common word's matches would read all its index
 * entries. Term estimates come from the lexeme statistics ANALYZE keeps (the store refreshes them as the table
 * grows): close for common words, coarse for rare ones; without statistics every term gets the same estimate.
 * What `known` holds (the store's keyword statistics: this process's earlier answers, for a few seconds) is not
 * asked again.
 */
export async function estimateMatches(
  db: PostgresConnection,
  memories: string,
  search: EstimatedSearch,
  known: ExpiringMap<number>,
): Promise<MatchEstimates> {
  const table = 'rows';
  const scope = `rows\u0000${search.scope}`;
  const term = (t: string) => `${TERM_ESTIMATE}${t}`;
  const lookups: { key: string; condition: (params: Params) => string }[] = [
    { key: table, condition: () => 'true' },
    { key: scope, condition: search.where },
    ...search.terms.map((t) => ({ key: term(t), condition: (params: Params) => `m.tsv @@ ${termQuery(params, t)}` })),
  ];
  const missing = lookups.filter(({ key }) => known.get(key) === undefined);
  if (missing.length > 0) {
    const params = new Params();
    // Each branch selects its own number, which the verbose plan shows as its output.
    const branches = missing.map(({ condition }, i) => `SELECT ${i} FROM ${memories} m WHERE ${condition(params)}`);
    const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON, VERBOSE) ${branches.join(' UNION ALL ')}`,
      params.values,
    );
    const estimated = branchRows(rows[0]?.['QUERY PLAN'][0].Plan, missing.length);
    for (const [i, { key }] of missing.entries()) if (estimated[i] !== undefined) known.set(key, estimated[i]);
  }
  const stored = known.get(table) ?? 1;
  return {
    stored,
    searched: Math.min(stored, known.get(scope) ?? 1),
    matches: search.terms.map((t) => Math.min(stored, known.get(term(t)) ?? stored)),
  };
}

/**
 * The estimated rows of each of the `count` branches of a UNION ALL plan: the children of its Append, found by
 * their output (a parallel Append reorders them). Under a Gather (a parallel plan) a parallel-aware child's
 * estimate is per process; scaled back by the Gather's own ratio. One branch is the whole plan.
 */
function branchRows(plan: PlanNode | undefined, count: number): number[] {
  if (count === 1) return plan ? [Math.max(1, plan['Plan Rows'])] : [];
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
