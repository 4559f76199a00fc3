/**
 * Builds an FTS5 MATCH expression that ORs the given terms. Each term becomes a double-quoted string, the FTS5 form
 * in which every character is literal, so that operators (OR, NEAR, AND), column filters, `*` and `^` in user text
 * are searched for as words instead of being parsed. Returns null when no term has anything to search for.
 */
export function ftsMatchExpression(terms: readonly string[]): string | null {
  const quoted = new Set<string>();
  for (const term of terms) {
    // unicode61 indexes only letters and digits; a term without any can never match and would be an empty phrase. A
    // mark separates (core's word "चाय" is the quoted phrase of its pieces, as its text was indexed).
    if (typeof term !== 'string' || !/[\p{L}\p{N}]/u.test(term)) continue;
    quoted.add(`"${term.replaceAll('"', '""')}"`);
  }
  return quoted.size > 0 ? [...quoted].join(' OR ') : null;
}
