import { ValidationError } from '../errors.js';

// Audit ids are positive integers assigned by the store (bigint on Postgres): kept as decimal strings so that no
// precision is lost beyond 2^53.
const AUDIT_ID = /^[1-9][0-9]{0,18}$/;

/** The cursor that continues an audit listing after the entry `id` (entries older than it come next). */
export function encodeAuditCursor(id: string): string {
  return Buffer.from(`audit:${id}`, 'utf8').toString('base64url');
}

/** The audit id inside a cursor made by encodeAuditCursor; anything else is a ValidationError. */
export function decodeAuditCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('audit:') ? decoded.slice('audit:'.length) : '';
  if (!AUDIT_ID.test(id) || encodeAuditCursor(id) !== cursor)
    throw new ValidationError('cursor', 'is not a cursor returned by audit');
  return id;
}
