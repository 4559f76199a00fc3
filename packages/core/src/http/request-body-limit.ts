import { DEFAULTS } from '../defaults.js';

/**
 * The request body that carries a text of `maxContentLength` characters in any script, for the HTTP API and the MCP
 * HTTP server alike: UTF-8 takes up to 3 bytes for a character (4 for a surrogate pair, which is two), JSON's escapes
 * of quotes, backslashes and line breaks 2; plus 64 KiB for the other fields (tags, metadata, a speaker, the JSON-RPC
 * envelope). A body of 1 MiB, the HTTP API's limit until December 2026, refused 400,000 characters of Chinese, which
 * retain takes.
 */
export function bodyBytesFor(maxContentLength: number): number {
  return 3 * maxContentLength + 64 * 1024;
}

/** The body limit of both HTTP servers for the default content limit: 3,065,536 bytes. */
export const DEFAULT_MAX_BODY_BYTES = bodyBytesFor(DEFAULTS.limits.maxContentLength);
