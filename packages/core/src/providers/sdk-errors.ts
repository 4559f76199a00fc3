import { isRetryableStatus } from './http-status.js';
import type { ProviderFailure } from './provider-failure.js';
import { scrubSecrets } from './secret-scrubber.js';

// biome-ignore lint/suspicious/noExplicitAny: SDK error classes are only used with instanceof.
type ErrorClass = abstract new (...args: any[]) => Error;

/** The error classes both official SDKs (Stainless-generated) export from their root module. */
export interface SdkErrorClasses {
  APIError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIUserAbortError: ErrorClass;
}

interface ApiErrorShape {
  status?: number;
  headers?: Headers;
  error?: unknown;
  requestID?: string | null;
}

/** An attempt that passed its deadline while the SDK still waited for the response's body (see ProviderClient). */
export class AttemptTimedOut extends Error {
  constructor() {
    super('the request timed out');
  }
}

/**
 * Classifies an error thrown by the `openai` or `@anthropic-ai/sdk` client. The SDK's own message is never used:
 * it embeds the response body, which some servers fill with the presented key. Only the server's error type and
 * message are kept, scrubbed of `secrets`.
 */
export function classifySdkError(
  error: unknown,
  sdk: SdkErrorClasses,
  secrets: readonly (string | undefined)[],
): ProviderFailure {
  if (error instanceof sdk.APIUserAbortError)
    return { kind: 'aborted', retryable: false, message: 'the request was aborted' };
  if (error instanceof sdk.APIConnectionTimeoutError || error instanceof AttemptTimedOut) {
    return { kind: 'timeout', retryable: true, message: 'the request timed out' };
  }
  if (error instanceof sdk.APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const code = networkCode(cause);
    return {
      kind: 'connection',
      retryable: true,
      message: `could not connect${code ? ` (${code})` : ''}`,
      ...(cause instanceof Error ? { cause: new Error(scrubSecrets(String(cause.message), secrets)) } : {}),
    };
  }
  if (error instanceof sdk.APIError) {
    const apiError = error as ApiErrorShape;
    const status = apiError.status ?? 0;
    const headers = apiError.headers;
    const { type, message } = serverError(apiError.error);
    const detail = scrubSecrets([type, message].filter(Boolean).join(': '), secrets).slice(0, 300);
    const text = `HTTP ${status}${detail ? ` ${detail}` : ''}`;
    const requestId = apiError.requestID ?? headers?.get('request-id') ?? headers?.get('x-request-id') ?? undefined;
    const base = { status, message: text, ...(requestId ? { requestId } : {}) };
    if (status === 401 || status === 403) return { ...base, kind: 'auth', retryable: false };
    const retryAfterMs = parseRetryAfter(headers);
    const told = headers?.get('x-should-retry');
    const retryable = told === 'true' || (told !== 'false' && isRetryableStatus(status));
    const kind =
      status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : status === 408 ? 'timeout' : 'rejected';
    return { ...base, kind, retryable, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  // A connection dropped while the body was read: fetch's body stream fails with undici's TypeError, which the SDKs
  // do not wrap. The request may well succeed again.
  if (error instanceof TypeError && error.message === 'terminated') {
    return { kind: 'connection', retryable: true, message: 'the connection closed before the response ended' };
  }
  // The SDKs parse a JSON content type with response.json(), so a malformed body surfaces as a bare SyntaxError.
  if (error instanceof SyntaxError) {
    return { kind: 'malformed_response', retryable: false, message: 'the response body is not valid JSON' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'client', retryable: false, message: scrubSecrets(message, secrets).slice(0, 300) };
}

/** Milliseconds the server asked us to wait: `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// OpenAI puts `{ message, type, code }` under `error`; Anthropic sends `{ type: 'error', error: { type, message } }`.
function serverError(body: unknown): { type?: string; message?: string } {
  if (typeof body !== 'object' || body === null) return typeof body === 'string' ? { message: body } : {};
  const outer = body as { error?: unknown; type?: unknown; code?: unknown; message?: unknown };
  const inner = (typeof outer.error === 'object' && outer.error !== null ? outer.error : outer) as typeof outer;
  const type = [inner.type, inner.code].find((v) => typeof v === 'string' && v !== 'error') as string | undefined;
  return { ...(type ? { type } : {}), ...(typeof inner.message === 'string' ? { message: inner.message } : {}) };
}

function networkCode(cause: unknown): string | undefined {
  for (let current = cause, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
