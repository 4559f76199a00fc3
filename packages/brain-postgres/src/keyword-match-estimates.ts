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
  /**
   * What the planner estimates for a term its statistics do not hold: the same for every such term, however many
   * memories it matches. A term estimated above it is one of the table's most common, estimated from its frequency.
   */
  unlisted: number;
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

/**
 * What a store's keyword searches learnt of its table, each for a few seconds (see PlannerStatistics): another
 * process's writes show up when an entry expires.
 */
export interface KeywordStatistics {
  /** Per term, the planner's estimate of its matches: only ANALYZE changes it. */
  estimates: ExpiringMap<number>;
  /** The planner's estimate of the table's size (key TABLE) and of a search scope's: writes change them. */
  sizes: ExpiringMap<number>;
  /** Per term, its matches counted by a search: writes change them. */
  counts: ExpiringMap<number>;
}

// The key of the table's size among `sizes`; a scope's key is its JSON, never empty.
const TABLE = '';
// The key, among `estimates`, of a term the planner's statistics do not hold (a term is never empty), and such a term:
// a lexeme with a space, which the text search parser never writes into a tsvector.
const UNLISTED = '';
const UNLISTED_TERM = `'''no statistics'''::tsquery`;

/**
 * Asks the planner how many memories the table holds, how many the search's conditions select, and how many each
 * term matches in the table. One EXPLAIN, no rows read: counting a common word's matches would read all its index
 * entries. Term estimates come from the lexeme statistics ANALYZE keeps (the store refreshes them as the table
 * grows): close for the most common words, one value (`unlisted`) for all the others, however rare; without
 * statistics every term gets that value.
 * What `known` holds (this process's earlier answers) is not asked again.
 */
export async function estimateMatches(
  db: PostgresConnection,
  memories: string,
  search: EstimatedSearch,
  known: KeywordStatistics,
): Promise<MatchEstimates> {
  const lookups: { map: ExpiringMap<number>; key: string; condition: (params: Params) => string }[] = [
    { map: known.sizes, key: TABLE, condition: () => 'true' },
    { map: known.sizes, key: search.scope, condition: search.where },
    { map: known.estimates, key: UNLISTED, condition: () => `m.tsv @@ ${UNLISTED_TERM}` },
    ...search.terms.map((t) => ({
      map: known.estimates,
      key: t,
      condition: (params: Params) => `m.tsv @@ ${termQuery(params, t)}`,
    })),
  ];
  const missing = lookups.filter(({ map, key }) => map.get(key) === undefined);
  if (missing.length > 0) {
    const params = new Params();
    // Each branch selects its own number, which the verbose plan shows as its output.
    const branches = missing.map(({ condition }, i) => `SELECT ${i} FROM ${memories} m WHERE ${condition(params)}`);
    const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON, VERBOSE) ${branches.join(' UNION ALL ')}`,
      params.values,
    );
    const estimated = branchRows(rows[0]?.['QUERY PLAN'][0].Plan, missing.length);
    for (const [i, { map, key }] of missing.entries()) if (estimated[i] !== undefined) map.set(key, estimated[i]);
  }
  const stored = known.sizes.get(TABLE) ?? 1;
  return {
    stored,
    searched: Math.min(stored, known.sizes.get(search.scope) ?? 1),
    matches: search.terms.map((t) => Math.min(stored, known.estimates.get(t) ?? stored)),
    unlisted: Math.min(stored, known.estimates.get(UNLISTED) ?? stored),
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
