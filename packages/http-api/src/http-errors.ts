import {
  AstrocyteError,
  type AstrocyteErrorOptions,
  ERROR_CODES,
  type ErrorCode,
  QuotaExceededError,
  RateLimitedError,
  snakeCase,
  withFieldRenamed,
} from '@astrocyte/core';
import type { z } from 'zod';
import type { errorBody } from './http-schemas.js';

/**
 * The HTTP status of each error code; every other code is a 500. Documented in docs/http-api.md, whose table a test
 * keeps equal to this one.
 */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_input: 400,
  usage: 400,
  malformed_request: 400,
  unauthorized: 401,
  access_denied: 403,
  host_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  policy_violation: 409,
  embedder_mismatch: 409,
  reembed_in_progress: 409,
  request_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  quota_exceeded: 429,
  provider_error: 503,
  storage_busy: 503,
  storage_unreachable: 503,
  pool_exhausted: 503,
  server_connections_exhausted: 503,
  storage_full: 507,
};

/** The statuses of HTTP_STATUS, and 500: every error status the API answers with. */
export const ERROR_STATUSES = [...new Set([...Object.values(HTTP_STATUS), 500])].sort((a, b) => a - b);

/** A request the HTTP layer refuses before any Brain operation: no token, wrong Host, too large, not JSON, wrong method. */
export class HttpRequestError extends AstrocyteError {
  constructor(
    code:
      | 'unauthorized'
      | 'host_not_allowed'
      | 'request_too_large'
      | 'unsupported_media_type'
      | 'method_not_allowed'
      | 'malformed_request',
    message: string,
    options: AstrocyteErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** An error response: its status, JSON body and headers. */
export interface ErrorReply {
  status: number;
  body: z.infer<typeof errorBody>;
  headers: Record<string, string>;
}

/**
 * The response for a thrown error. A 5xx says only what its code means: the message of a failed store or provider
 * may quote a query or a memory, and a stack trace tells an attacker the layout of the server.
 */
export function errorReply(error: unknown): ErrorReply {
  if (!AstrocyteError.isInstance(error)) {
    return { status: 500, body: bodyOf('internal_error', ERROR_CODES.internal_error, {}), headers: {} };
  }
  const status = HTTP_STATUS[error.code] ?? 500;
  if (status >= 500) return { status, body: bodyOf(error.code, ERROR_CODES[error.code], {}), headers: {} };
  const retryAfter =
    RateLimitedError.isInstance(error) || QuotaExceededError.isInstance(error) ? error.retryAfter : undefined;
  return {
    status,
    body: bodyOf(error.code, error.message, error.details),
    // Retry-After is whole seconds; rounding up never invites a retry that is still too early.
    headers: retryAfter === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(retryAfter))) },
  };
}

function bodyOf(code: ErrorCode, message: string, details: Record<string, unknown>): z.infer<typeof errorBody> {
  return { error: { code, message, details } };
}

/**
 * A Brain error that names a field of the brain's options (`occurredAt`, `turns[0].occurredAt`, `maxResults`,
 * `bankId`), named as a client of this API sent it (`occurred_at`, `turns.0.occurred_at`, `max_results`, the path's
 * `bank`), like the API's own checks name them. Every other error is returned as it is.
 */
export function inRequestTerms(error: unknown): unknown {
  return withFieldRenamed(error, requestField);
}

// The path up to `metadata` is the API's (camelCase to snake_case, `[i]` to `.i`); what follows are the keys of the
// client's own metadata, named as sent.
function requestField(field: string): string {
  if (field === 'bankId') return 'bank';
  const at = field.search(/(^|\.)metadata(?=$|[.[ ])/);
  const [ours, theirs] = at < 0 ? [field, ''] : [field.slice(0, at), field.slice(at)];
  return snakeCase(ours.replace(/\[(\d+)\]/g, '.$1')) + theirs;
}
