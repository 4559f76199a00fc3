import { normalizePathPrefix, type SearchFilter } from '@astrocyte/core/backend';

/**
 * An instant as a statement parameter. pg writes a Date in the process's local time with an offset in whole minutes,
 * and before about 1900 zones kept local mean time (Berlin +0:53:28): such a date named another instant. The ISO
 * string names the same one in every zone.
 */
export function instant(date: Date): string;
export function instant(date: Date | null | undefined): string | null;
export function instant(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** Collects positional parameters while a statement is assembled, so that no value is ever spliced into SQL text. */
export class Params {
  readonly values: unknown[] = [];

  /** Adds a value (a Date as its `instant`) and returns its placeholder (`$n`). */
  add(value: unknown): string {
    this.values.push(value instanceof Date ? instant(value) : value);
    return `$${this.values.length}`;
  }
}

/**
 * The WHERE conditions of a search filter on alias `m`. A path prefix (normalized by core's one rule) matches whole
 * segments: "a/b" selects "a/b" and "a/b/c" but not "a/bc", which is why it is `=` or `starts_with(prefix || '/')`
 * and not LIKE.
 */
export function filterConditions(filter: Partial<SearchFilter>, params: Params): string[] {
  const conditions: string[] = [];
  if (filter.now) conditions.push(`(m.expires_at IS NULL OR m.expires_at > ${params.add(filter.now)})`);
  if (filter.tags && filter.tags.length > 0) conditions.push(`m.tags && ${params.add(filter.tags)}::text[]`);
  const prefix = normalizePathPrefix(filter.pathPrefix);
  if (prefix !== null) {
    const p = params.add(prefix);
    conditions.push(`(m.path = ${p} OR starts_with(m.path, ${p} || '/'))`);
  }
  if (filter.from) conditions.push(`COALESCE(m.occurred_at, m.created_at) >= ${params.add(filter.from)}`);
  if (filter.to) conditions.push(`COALESCE(m.occurred_at, m.created_at) <= ${params.add(filter.to)}`);
  return conditions;
}
