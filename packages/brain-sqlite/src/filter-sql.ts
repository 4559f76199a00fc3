import { normalizePathPrefix, type SearchFilter } from '@astrocyte/core/backend';

/** SQL conditions on `memories m` and the named parameters they bind; the SQL itself never holds caller text. */
export interface FilterSql {
  /** Conditions joined by AND, each starting with ` AND `, or '' when there are none. */
  where: string;
  params: Record<string, unknown>;
  /** True when the filter has conditions the candidate index cannot apply itself (tags, path). */
  needsRowFilter: boolean;
}

/** The tag, path, time and expiry conditions of a search filter. */
export function filterSql(filter: Partial<SearchFilter>): FilterSql {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const tags = [...new Set(filter.tags ?? [])];
  if (tags.length > 0) {
    parts.push(
      'EXISTS (SELECT 1 FROM memory_tags t WHERE t.seq = m.seq AND t.tag IN (SELECT value FROM json_each(@tags)))',
    );
    params.tags = JSON.stringify(tags);
  }
  const path = normalizePathPrefix(filter.pathPrefix);
  if (path !== null) {
    // A range on whole segments: '/' sorts just before '0', so [p/, p0) holds exactly the paths under p, and the
    // (bank_id, path) index serves it. LIKE would treat % and _ in the prefix as wildcards.
    parts.push('(m.path = @path OR (m.path >= @pathLow AND m.path < @pathHigh))');
    Object.assign(params, { path, pathLow: `${path}/`, pathHigh: `${path}0` });
  }
  if (filter.from) {
    parts.push('COALESCE(m.occurred_at, m.created_at) >= @from');
    params.from = filter.from.getTime();
  }
  if (filter.to) {
    parts.push('COALESCE(m.occurred_at, m.created_at) <= @to');
    params.to = filter.to.getTime();
  }
  if (filter.now) {
    parts.push('(m.expires_at IS NULL OR m.expires_at > @now)');
    params.now = filter.now.getTime();
  }
  return {
    where: parts.map((p) => ` AND ${p}`).join(''),
    params,
    needsRowFilter: tags.length > 0 || path !== null,
  };
}
