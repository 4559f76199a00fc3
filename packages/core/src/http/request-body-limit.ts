import { DEFAULTS } from '../defaults.js';

/**
 * The request body that carries a text of `maxContentLength` characters in any script, however its JSON is written,
 * for the HTTP API and the MCP servers alike: a character (a UTF-16 unit, as lengths count) is at most 6 bytes, as a
 * `\u20ac` escape, which JSON writers that escape all but ASCII emit (Python's json.dumps by default, and so
 * `requests` with `json=`); raw UTF-8 takes at most 3. Plus 64 KiB for the other fields (tags, metadata, a speaker,
 * the JSON-RPC envelope). At 3 bytes a character, until December 2026, 600,000 Cyrillic characters sent by `requests`
 * were refused; at 1 MiB before that, 400,000 of Chinese.
 */
export function bodyBytesFor(maxContentLength: number): number {
  return 6 * maxContentLength + 64 * 1024;
}

/** The body limit of both HTTP servers for the default content limit: 6,065,536 bytes. */
export const DEFAULT_MAX_BODY_BYTES = bodyBytesFor(DEFAULTS.limits.maxContentLength);
