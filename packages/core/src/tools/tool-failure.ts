import { ERROR_CODES, type ErrorCode } from '../error-codes.js';
import { AstrocyteError } from '../errors.js';

// The failures a tool's caller caused and can act on: bad input, an id the bank does not hold, a tool it does not
// have, a policy, a grant, a limit. Their messages are written for the caller.
const CALLERS_OWN = new Set<ErrorCode>([
  'invalid_input',
  'not_found',
  'unknown_tool',
  'policy_violation',
  'access_denied',
  'rate_limited',
  'quota_exceeded',
]);

/** Whether a failed tool call was the server's (a store, a provider, a bug) rather than its caller's. */
export function isServerFailure(error: unknown): boolean {
  return !(AstrocyteError.isInstance(error) && CALLERS_OWN.has(error.code));
}

/**
 * What a model is told of a failed memory tool call: the message of a failure it caused, which it can act on, and
 * of any other only its code and what the code means: a store's or a provider's message may quote another caller's
 * memory or name the database's host, as the HTTP API's 5xx answers never do.
 */
export function toolFailureText(error: unknown): string {
  if (!isServerFailure(error)) return (error as AstrocyteError).message;
  const code = AstrocyteError.isInstance(error) ? error.code : 'internal_error';
  return `${code}: ${ERROR_CODES[code]}`;
}
