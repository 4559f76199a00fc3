import { AstrocyteError } from '../errors.js';
import type { EmbedderInfo } from '../memory-store.js';

/** What a fix may name: the config file, the backend, the config section of a provider and its endpoint. */
export interface FixContext {
  /** The config file, or a phrase for the built-in default. */
  file: string;
  backend: string;
  /** `embedding` or `llm`, for a provider's problem. */
  section?: string;
  endpoint?: string;
  timeoutMs?: number;
}

const KEY_VARIABLES: Record<string, string> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY' };

/**
 * The fix for a problem `astrocyte doctor` found: the error's own `details.fix` when its thrower knew it (the backends
 * do for their vector extension), else one by code, naming the key of the config to change.
 */
export function fixFor(error: unknown, context: FixContext): string {
  const details = AstrocyteError.isInstance(error) ? error.details : {};
  if (typeof details.fix === 'string') return details.fix;
  const code = AstrocyteError.isInstance(error) ? error.code : undefined;
  const storage = `storage.${context.backend}`;
  const section = context.section ?? 'embedding';
  const endpoint = context.endpoint ?? 'the endpoint';
  switch (code) {
    case 'invalid_config':
      if (typeof details.variable === 'string')
        return `export ${details.variable} in the environment the command runs in, or write the value into ${context.file}`;
      if (details.kind === 'missing_file') return 'create it with `astrocyte init`, or pass the right --config';
      if (details.kind === 'unreadable_file')
        return 'point --config (or $ASTROCYTE_CONFIG) at a YAML file this user may read, not a folder';
      // A key's problem names the key; bad YAML, an alias that expands too far or a line that is not UTF-8 names none.
      if (typeof details.path === 'string')
        return `correct the key named above in ${context.file}; \`astrocyte init\` writes a template with every key explained`;
      return `correct ${context.file} where the message above says; \`astrocyte init\` writes a template with every key explained`;
    case 'backend_not_installed':
    case 'provider_not_installed':
      return `install it: pnpm add ${String(details.package)} (or npm install ${String(details.package)})`;
    case 'invalid_backend':
      return `reinstall ${String(details.package)}, or set storage.backend to sqlite, postgres or memory`;
    case 'missing_api_key': {
      const variable = KEY_VARIABLES[String(details.provider)] ?? 'the provider key variable';
      return `export ${variable}, or set ${String(details.field)}: \${${variable}} in ${context.file}`;
    }
    case 'provider_auth':
      return `set a valid ${section}.api_key in ${context.file} (or the provider's key variable); the endpoint refused this one`;
    case 'embedding_dimensions':
      return `set embedding.dimensions: ${String(details.returned)} in ${context.file}, or choose a model that can shorten its vectors`;
    case 'provider_error':
      return providerFix(details, section, endpoint, context);
    case 'storage_unreachable':
      return `start the database server at ${String(details.host)}:${String(details.port)}, or correct the host and port in ${storage} of ${context.file}`;
    case 'storage_auth_failed':
      return `correct the user and password in ${storage} of ${context.file} (or the variable it reads)`;
    case 'storage_database_missing':
      return `create the database (createdb <name>), or correct its name in ${storage} of ${context.file}`;
    case 'storage_permission_denied':
      return context.backend === 'sqlite'
        ? `let this user create and write files in the folder of ${storage}.path, or point it at one it may write (${context.file})`
        : "grant the database user the privileges the store needs on its schema, or connect as the schema's owner";
    case 'storage_read_only':
      return context.backend === 'sqlite'
        ? `make the file of ${storage}.path and its folder writable, or point it at a writable disk (${context.file})`
        : `point ${storage} at the primary server, not a read-only replica`;
    case 'storage_busy':
      return 'another process holds the database lock: let it finish, then run `astrocyte doctor` again';
    case 'storage_full':
      return `free disk space where ${storage} keeps the database (the SQLite file's disk, or the Postgres server's data volume)`;
    case 'storage_corrupt':
      return `point ${storage}.path in ${context.file} at the store's file, or restore the file from a backup (docs/operations.md, Backups); \`sqlite3 <file> 'PRAGMA integrity_check'\` lists what is damaged`;
    case 'pool_exhausted':
    case 'server_connections_exhausted':
      return 'close idle clients of the database, or raise max_connections on the server';
    case 'schema_too_new':
      return `upgrade @astrocyte/brain-${context.backend} to the release that last wrote this store`;
    case 'vector_extension_outdated':
      return 'upgrade pgvector on the server to 0.5 or later (0.8 recommended), then run ALTER EXTENSION vector UPDATE;';
    default:
      return `check ${storage} in ${context.file}; run with ASTROCYTE_DEBUG=1 to see the stack trace`;
  }
}

function providerFix(details: Record<string, unknown>, section: string, endpoint: string, context: FixContext): string {
  switch (details.kind) {
    case 'connection':
      return `start the server at ${endpoint}, or correct ${section}.base_url in ${context.file}`;
    case 'timeout':
      return `${endpoint} did not answer within ${context.timeoutMs} ms: check that it is up and reachable from here, or correct ${section}.base_url`;
    case 'rejected':
      return `check ${section}.model and ${section}.base_url in ${context.file}: the endpoint refused the request`;
    default:
      return `check ${section}.base_url in ${context.file} and the provider's status, then run \`astrocyte doctor\` again`;
  }
}

/**
 * The fix for a store written with another embedder than the config names: go back to the store's embedder, or move
 * the store to the configured one with a re-embed.
 */
export function embedderMismatchFix(recorded: EmbedderInfo, configured: EmbedderInfo, file: string): string {
  return (
    `either set embedding back to ${embeddingSection(recorded)} in ${file}, or move the store to ` +
    `${configured.name} (${configured.dimensions} dimensions): with the store's embedding in the config, run ` +
    '`astrocyte reembed --to <the new embedding section>` (docs/operations.md, Re-embedding)'
  );
}

// The `embedding:` section that builds an embedder of this name, for the names Astrocyte's embedders take.
function embeddingSection(embedder: EmbedderInfo): string {
  if (embedder.name.startsWith('local-'))
    return `{ provider: local, dimensions: ${embedder.dimensions} } (embedder ${embedder.name})`;
  if (embedder.name.startsWith('openai:'))
    return `{ provider: openai, model: ${embedder.name.slice('openai:'.length)}, dimensions: ${embedder.dimensions} }`;
  return `the embedder ${embedder.name} with ${embedder.dimensions} dimensions`;
}
