import type { ErrorCode } from './error-codes.js';

const brand = Symbol.for('astrocyte.error');

/** Options every Astrocyte error accepts. */
export interface AstrocyteErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/**
 * Base of every error Astrocyte throws. `code` is stable across releases; `details` is plain JSON.
 * `isInstance` works across copies of the package, where `instanceof` does not.
 */
export class AstrocyteError extends Error {
  readonly [brand]: string[];
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AstrocyteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    const kinds: string[] = [];
    for (
      let kind: { name: string } | null = new.target;
      kind && kind !== (Error as unknown);
      kind = Object.getPrototypeOf(kind)
    ) {
      kinds.push(kind.name);
    }
    this[brand] = kinds;
  }

  /** True when `error` is this kind of Astrocyte error, whichever copy of the package threw it. */
  // biome-ignore lint/suspicious/noExplicitAny: constructors of every subclass, whatever their parameters.
  static isInstance<T extends abstract new (...args: any[]) => AstrocyteError>(
    this: T,
    error: unknown,
  ): error is InstanceType<T> {
    const kinds = (error as { [brand]?: unknown } | null)?.[brand];
    return Array.isArray(kinds) && kinds.includes(this.name);
  }

  /** A JSON form for logs and tool results; never includes secrets because messages never hold them. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** Input that breaks the contract: names the offending field in `details.field`. */
export class ValidationError extends AstrocyteError {
  constructor(field: string, message: string, options: AstrocyteErrorOptions = {}) {
    super('invalid_input', `${field}: ${message}`, { ...options, details: { field, ...options.details } });
  }
}

/**
 * `error` with the field it names renamed by `rename` (a ValidationError whose field the caller's users know by
 * another name: a tool's `max_results` for the brain's `maxResults`), its message and other details kept. Every
 * other error, and one whose field keeps its name, is returned as it is.
 */
export function withFieldRenamed(error: unknown, rename: (field: string) => string): unknown {
  if (!ValidationError.isInstance(error)) return error;
  const field = error.details.field;
  if (typeof field !== 'string') return error;
  const named = rename(field);
  if (named === field) return error;
  const message = error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
  return new ValidationError(named, message, { cause: error, details: { ...error.details, field: named } });
}

/** A configuration that cannot work: bad YAML, unknown key, missing variable, rejected credentials. */
export class ConfigError extends AstrocyteError {
  constructor(message: string, options: AstrocyteErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? 'invalid_config', message, options);
  }
}

/** The storage backend named in the config is not installed. */
export class BackendNotInstalledError extends AstrocyteError {
  constructor(packageName: string, options: AstrocyteErrorOptions = {}) {
    super('backend_not_installed', `${packageName} is not installed. Install it with: pnpm add ${packageName}`, {
      ...options,
      details: { package: packageName },
    });
  }
}

/** A memory id that does not exist in the bank. */
export class NotFoundError extends AstrocyteError {
  constructor(message: string, options: AstrocyteErrorOptions = {}) {
    super('not_found', message, options);
  }
}

/** A tool name that is not one of the memory tools. */
export class UnknownToolError extends AstrocyteError {
  constructor(name: string) {
    super(
      'unknown_tool',
      `unknown memory tool "${name}"; expected memory_retain, memory_recall, memory_reflect or memory_forget`,
      {
        details: { tool: name },
      },
    );
  }
}

/** The store was written with another embedder or dimension than the one configured now. */
export class EmbedderMismatchError extends AstrocyteError {
  constructor(stored: { name: string; dimensions: number }, configured: { name: string; dimensions: number }) {
    super(
      'embedder_mismatch',
      `this store holds the vectors of embedder ${stored.name} (${stored.dimensions} dimensions) but ${configured.name} (${configured.dimensions} dimensions) is configured; configure the embedder the store holds, or re-embed the store to the configured one with \`astrocyte reembed --to\` (brain.reembed) while the config still names the old one`,
      { details: { stored, configured } },
    );
  }
}

/**
 * The store's re-embedding is not the one asked for: another model's is in progress (continue or cancel it first), or
 * none is any more (another process cancelled or finished it).
 */
export class ReembedInProgressError extends AstrocyteError {
  constructor(
    inProgress: { name: string; dimensions: number } | null,
    requested: { name: string; dimensions: number },
  ) {
    const asked = `${requested.name} (${requested.dimensions} dimensions)`;
    super(
      'reembed_in_progress',
      inProgress
        ? `a re-embedding to ${inProgress.name} (${inProgress.dimensions} dimensions) is in progress in this store, not to ${asked}; continue it by re-embedding to the same model, or cancel it first (astrocyte reembed --cancel, brain.cancelReembed()), which drops its staged vectors`
        : `the re-embedding to ${asked} is no longer in progress in this store (another process cancelled or finished it); start it again`,
      { details: { inProgress, requested } },
    );
  }
}

/** The storage backend failed: unreachable, missing extension, exhausted pool, corrupt file. */
export class StorageError extends AstrocyteError {
  constructor(message: string, options: AstrocyteErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? 'storage_error', message, options);
  }
}

/** An embedding or LLM provider failed after retries, or answered with something unusable. */
export class ProviderError extends AstrocyteError {
  constructor(provider: string, message: string, options: AstrocyteErrorOptions = {}) {
    super('provider_error', `${provider}: ${message}`, { ...options, details: { provider, ...options.details } });
  }
}

/** The provider rejected the credentials (401/403): a configuration problem, not a transient one. */
export class ProviderAuthError extends ConfigError {
  constructor(provider: string, status: number) {
    super(
      `${provider} rejected the credentials (HTTP ${status}); check the api_key in astrocyte.yaml or the provider's environment variable`,
      {
        code: 'provider_auth',
        details: { provider, status },
      },
    );
  }
}

/** A governance policy forbids the operation (legal hold, rule). */
export class PolicyError extends AstrocyteError {
  constructor(message: string, options: AstrocyteErrorOptions = {}) {
    super('policy_violation', message, options);
  }
}

/** The principal (or the user it acts for) holds no grant of `permission` on the bank; nothing was read or changed. */
export class AccessDeniedError extends AstrocyteError {
  constructor(
    denied: { principal: string | null; onBehalfOf?: string | null; bankId: string; permission: string },
    options: AstrocyteErrorOptions = {},
  ) {
    const who =
      denied.principal === null
        ? 'an operation with no principal'
        : `${denied.principal}${denied.onBehalfOf ? ` acting for ${denied.onBehalfOf}` : ''}`;
    super('access_denied', `access denied: ${who} may not ${denied.permission} bank ${denied.bankId}`, {
      ...options,
      details: {
        principal: denied.principal,
        ...(denied.onBehalfOf ? { onBehalfOf: denied.onBehalfOf } : {}),
        bank: denied.bankId,
        permission: denied.permission,
        ...options.details,
      },
    });
  }
}

/** Too many operations this minute for a rate limit; `retryAfter` is the number of seconds until the next window. */
export class RateLimitedError extends AstrocyteError {
  readonly retryAfter: number;
  constructor(message: string, retryAfter: number, options: AstrocyteErrorOptions = {}) {
    super('rate_limited', message, { ...options, details: { retryAfter, ...options.details } });
    this.retryAfter = retryAfter;
  }
}

/**
 * The operation would take a bank past a quota; nothing was stored. `retryAfter` (seconds) is set for a daily quota,
 * which the next UTC day resets.
 */
export class QuotaExceededError extends AstrocyteError {
  readonly retryAfter: number | undefined;
  constructor(message: string, retryAfter: number | undefined, options: AstrocyteErrorOptions = {}) {
    super('quota_exceeded', message, {
      ...options,
      details: { ...(retryAfter !== undefined ? { retryAfter } : {}), ...options.details },
    });
    this.retryAfter = retryAfter;
  }
}
