const JSON_TYPE = /^application\/json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * What is wrong with a request body's Content-Type and Content-Encoding for the JSON both HTTP servers read, or null:
 * another type, a charset other than UTF-8 (read as UTF-8, its bytes would fail with a misleading error, or be
 * stored as other characters where they happen to form UTF-8), or a compressed body. Both answer it with 415.
 */
export function jsonBodyHeadersProblem(
  type: string | null | undefined,
  encoding: string | null | undefined,
): string | null {
  if (type === null || type === undefined || !JSON_TYPE.test(type))
    return `send the body as application/json; got ${type == null ? 'no Content-Type' : JSON.stringify(type)}`;
  const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return `send the body as UTF-8 JSON; got charset ${JSON.stringify(charset)}`;
  if (encoding != null && encoding.trim().toLowerCase() !== 'identity')
    return `send the body uncompressed; got Content-Encoding ${JSON.stringify(encoding)}`;
  return null;
}
