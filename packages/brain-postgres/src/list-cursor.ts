import { ValidationError } from '@astrocyte/core';

const PREFIX = 'pg1:';

/** An opaque cursor for the row after which the next page starts. */
export function encodeCursor(seq: string): string {
  return Buffer.from(`${PREFIX}${seq}`, 'utf8').toString('base64url');
}

/** The sequence number inside a cursor; throws ValidationError for anything `list` did not hand out. */
export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = decoded.startsWith(PREFIX) ? decoded.slice(PREFIX.length) : '';
  if (!/^\d{1,18}$/.test(seq)) throw new ValidationError('cursor', 'is not a cursor returned by list');
  return seq;
}
