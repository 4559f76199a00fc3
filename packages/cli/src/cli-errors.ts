import { AstrocyteError, type ErrorCode } from '@astrocyte/core';

/** A command line that cannot run as written; carries the fix to print. */
export class UsageError extends AstrocyteError {
  constructor(message: string, fix: string) {
    super('usage', message, { details: { fix } });
  }
}

/** A run that finished but did not do what was asked (a rejected retain, malformed import lines). */
export class IncompleteError extends AstrocyteError {
  constructor(message: string, fix: string) {
    super('incomplete', message, { details: { fix } });
  }
}

/** Exit codes: 0 done, 1 failed at run time, 2 the command line or the config is wrong. */
export const EXIT = { ok: 0, runtime: 1, usage: 2 } as const;

const USAGE_CODES = new Set<ErrorCode>([
  'usage',
  'invalid_input',
  'invalid_config',
  'provider_auth',
  'backend_not_installed',
  'embedder_mismatch',
  'reembed_in_progress',
]);

/** The one line printed for an error, `astrocyte: <message> (fix: …)`, and the exit code it maps to. */
export function describeError(error: unknown, command = 'astrocyte'): { line: string; exitCode: number } {
  if (!(error instanceof Error))
    return {
      line: `astrocyte: ${oneLine(String(error))} (fix: ${fixFor(undefined, command)})`,
      exitCode: EXIT.runtime,
    };
  const code = AstrocyteError.isInstance(error) ? error.code : undefined;
  const given = AstrocyteError.isInstance(error) ? error.details.fix : undefined;
  const fix = typeof given === 'string' ? given : fixFor(error, command);
  return {
    line: `astrocyte: ${oneLine(error.message)} (fix: ${fix})`,
    exitCode: code && USAGE_CODES.has(code) ? EXIT.usage : EXIT.runtime,
  };
}

function fixFor(error: Error | undefined, command: string): string {
  const code = error && AstrocyteError.isInstance(error) ? error.code : undefined;
  switch (code) {
    case 'invalid_config':
      switch ((error as AstrocyteError).details.kind) {
        case 'missing_file':
          return 'run `astrocyte init` to create it, or pass the right --config';
        case 'unreadable_file':
          return 'pass the path of a readable YAML file with --config or ASTROCYTE_CONFIG, or unset both for the default';
        case 'access_not_configured':
          return 'add an access: section with grants to the config (docs/access.md)';
        default:
          return 'correct the config file; `astrocyte init` writes a template with every key explained';
      }
    case 'provider_auth':
      return "set a valid api_key in the config or the provider's environment variable";
    case 'backend_not_installed':
      return 'install the package named above, or set storage.backend: sqlite in the config';
    case 'embedder_mismatch':
      return 'restore the embedding settings the store holds, or move the store to the configured model with `astrocyte reembed --to <its embedding: section>` run under the config that names the old one';
    case 'reembed_in_progress':
      return 'continue the re-embedding in progress with the same --to, or drop it with `astrocyte reembed --cancel`';
    case 'invalid_input':
      return `correct ${flagFor(error as AstrocyteError)}; see \`${command} --help\``;
    case 'not_found':
      return 'list the memory ids of the bank with `astrocyte list --bank <bank>`';
    case 'storage_database_missing':
      return storeMissingFix(error as AstrocyteError);
    case 'storage_error':
      return 'check storage in the config: the SQLite path is writable, or the Postgres server is reachable';
    case 'storage_full':
      return "free disk space where the store lives (the SQLite file's disk, or the Postgres server's data volume), then run the command again";
    case 'storage_corrupt':
      return "point storage.sqlite.path at the store's file, or restore the file from a backup (docs/operations.md, Backups)";
    // What to change depends on the backend and the config, which doctor reads.
    case 'storage_read_only':
    case 'storage_permission_denied':
    case 'storage_busy':
    case 'storage_unreachable':
    case 'storage_auth_failed':
    case 'pool_exhausted':
    case 'server_connections_exhausted':
      return 'run `astrocyte doctor`: it checks the store and names what to change';
    case 'provider_error':
      return "check the provider's base_url and network, then retry";
    case 'access_denied':
      return accessFix(error as AstrocyteError);
    case 'rate_limited':
      return `wait ${String((error as AstrocyteError).details.retryAfter ?? 60)} seconds and run the command again, or raise access.rate_limits in the config`;
    case 'quota_exceeded':
      return 'forget memories the bank no longer needs, or raise access.quotas in the config';
    case 'policy_violation':
      return 'see which policy applies with `astrocyte rules explain`; legal holds need --override-legal-hold and --reason';
    default:
      return process.env.ASTROCYTE_DEBUG
        ? 'see the stack trace below'
        : 'rerun with ASTROCYTE_DEBUG=1 to see the stack trace';
  }
}

// A SQLite store names its file, a Postgres store its schema; otherwise the server lacks the database itself.
function storeMissingFix(error: AstrocyteError): string {
  const { path, schema } = error.details;
  if (typeof path === 'string')
    return "check storage.sqlite.path in the config (a relative path is read from the config file's folder) and --config; a store is created by the first retain or import";
  if (typeof schema === 'string')
    return 'check storage.postgres.url and schema in the config, and --config; a store is created by the first retain or import';
  return 'create the database on the server (createdb), or correct storage.postgres.url in the config';
}

// With access configured every operation needs a principal; without one, the fix is to give it.
function accessFix(error: AstrocyteError): string {
  const { principal, permission, bank } = error.details;
  if (principal === null)
    return 'the config sets access:, so say who acts with --principal <principal> (e.g. user:alice) or ASTROCYTE_PRINCIPAL';
  return `act as a principal granted ${String(permission)} on bank ${String(bank)} (--principal), or add a grant to access.grants in the config`;
}

// Brain errors name API fields (occurredAt, items[3].tags); the user typed flags.
function flagFor(error: AstrocyteError): string {
  const field = typeof error.details.field === 'string' ? error.details.field : 'the input';
  const last = field.split('.').pop() ?? field;
  const flags: Record<string, string> = {
    bankId: '--bank',
    bankIds: '--banks',
    occurredAt: '--occurred-at',
    expiresAt: '--expires-at',
    pathPrefix: '--path-prefix',
    maxResults: '--max-results',
    maxSources: '--max-sources',
    minScore: '--min-score',
    memoryIds: '--ids',
    overrideLegalHold: '--override-legal-hold',
    'timeRange.from': '--from',
    'timeRange.to': '--to',
    port: '--port',
    host: '--host',
  };
  // One entry of a list names the list's flag: bankIds[2] is a bank of --banks.
  const list = field.replace(/\[\d+\]$/, '');
  if (flags[list]) return flags[list];
  if (
    /^[a-zA-Z]+$/.test(last) &&
    ['tags', 'metadata', 'path', 'supersedes', 'reason', 'cursor', 'limit', 'before', 'since', 'content'].includes(last)
  ) {
    return last === 'content' ? 'the content' : `--${last}`;
  }
  return field;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, '; ').trim();
}
