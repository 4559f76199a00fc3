import { randomBytes } from 'node:crypto';

/** A random id in the platform's style: a type prefix and base62 characters (`sesn_011C...`). */
export function newId(prefix: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(24);
  let body = '';
  for (const byte of bytes) body += alphabet[byte % 62];
  return `${prefix}_011C${body}`;
}

/** An error the emulator answers with `{ type: 'error', error: { type, message, ...fields } }` and `status`. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    /** Fields of the error object beside `type` and `message` (e.g. `conflicting_path`). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** 400 `invalid_request_error`. */
export function invalidRequest(message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, 'invalid_request_error', message);
}

/** 404 `not_found_error`. */
export function notFound(message: string): EmulatorHttpError {
  return new EmulatorHttpError(404, 'not_found_error', message);
}
