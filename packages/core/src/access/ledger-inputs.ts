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

/**
 * Throws a ValidationError unless StoreAccessLedger.addToCounter's arguments make sense: every store counts in
 * integers, and a window being added to is never one its own call expires.
 */
export function checkCounterArguments(key: string, windowStart: Date, amount: number, expireBefore: Date): void {
  if (typeof key !== 'string' || key.length === 0) throw new ValidationError('key', 'must be a non-empty string');
  if (!Number.isSafeInteger(amount)) throw new ValidationError('amount', `must be an integer, got ${amount}`);
  for (const [field, date] of [
    ['windowStart', windowStart],
    ['expireBefore', expireBefore],
  ] as const) {
    if (!(date instanceof Date) || Number.isNaN(date.getTime()))
      throw new ValidationError(field, 'must be a valid Date');
  }
  if (expireBefore > windowStart)
    throw new ValidationError('expireBefore', 'must not be after windowStart: the window would expire itself');
}
