import type { ErrorCode } from '../error-codes.js';
import { AstrocyteError } from '../errors.js';

/** The last failure of a brain operation, as `brain.health()` reports it. */
export interface LastFailure {
  /** The Brain method that failed: `retain`, `recall`, `forget`… */
  operation: string;
  /** The AstrocyteError's code; null for an error Astrocyte did not classify. */
  code: ErrorCode | null;
  message: string;
  at: Date;
}

// A caller's own mistake (bad input, an unknown id, a policy or a grant saying no) says nothing about the brain's health, and
// would hide the storage or provider failure an operator is looking for.
const CALLER_CODES = new Set<ErrorCode>([
  'invalid_input',
  'not_found',
  'policy_violation',
  'unknown_tool',
  'access_denied',
  'rate_limited',
  'quota_exceeded',
]);

/** Remembers the last failure of the brain's operations, other than a caller's own mistakes. */
export class FailureLog {
  private latest: LastFailure | null = null;

  constructor(private readonly now: () => Date) {}

  /** Runs one operation; a failure is remembered, then rethrown unchanged. */
  async track<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.record(operation, error);
      throw error;
    }
  }

  /** The last failure remembered, or null. */
  get last(): LastFailure | null {
    return this.latest === null ? null : { ...this.latest };
  }

  private record(operation: string, error: unknown): void {
    const code = AstrocyteError.isInstance(error) ? error.code : null;
    if (code !== null && CALLER_CODES.has(code)) return;
    this.latest = { operation, code, message: keptMessage(error), at: this.now() };
  }
}

// A provider's own words may quote the prompt, and so memories that a forget erases later: of its failure, what is
// kept is which request failed (ProviderError's "openai: embeddings request (…) failed after 2 attempts"), the kind
// of failure and the status.
function keptMessage(error: unknown): string {
  if (!AstrocyteError.isInstance(error) || error.code !== 'provider_error')
    return error instanceof Error ? error.message : String(error);
  const { provider, kind, status } = error.details;
  const request =
    /^.*? failed(?: after \d+ attempts)?/.exec(error.message)?.[0] ?? `${String(provider)}: a request failed`;
  return `${request}: ${String(kind)}${status === undefined ? '' : ` (HTTP ${String(status)})`}; the provider's own message is not kept`;
}
