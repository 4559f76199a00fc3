/**
 * The one rule every store applies to `pathPrefix`: surrounding whitespace and slashes are dropped, so "/a/b/",
 * "a/b/" and "a/b" select the same subtree; null when nothing is left, which selects every path. A prefix matches
 * whole segments: "a/b" selects "a/b" and "a/b/c", never "a/bc".
 */
export function normalizePathPrefix(prefix: string | undefined): string | null {
  const trimmed = prefix?.trim().replace(/^\/+|\/+$/g, '') ?? '';
  return trimmed.length > 0 ? trimmed : null;
}
