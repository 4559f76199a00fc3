/**
 * Every `code` an Astrocyte error can carry, in every package, with what it means. Codes are stable across releases
 * and the same failure has the same code on every backend; `AstrocyteError` accepts only codes listed here, so a
 * new code is registered (and documented in docs/errors.md) before it can be thrown.
 */
export const ERROR_CODES = {
  // Input and configuration
  invalid_input: 'input that breaks the Brain contract; `details.field` names the field',
  invalid_config:
    'an `astrocyte.yaml` (or config object) that cannot work: bad YAML, unknown key, wrong value; `details.kind` is `missing_file` or `unreadable_file` when the file itself is the problem, `access_not_configured` for an audit query without `access`',
  invalid_options: "a backend's options object is invalid; `details.package` and `details.field` name it",
  backend_not_installed: 'the storage backend named in the config is not installed',
  invalid_backend: 'the package `storage.backend` names does not export a backend module for that name',
  missing_api_key: 'a provider needs an API key and none is configured',
  provider_not_installed: "the provider's SDK package is not installed",
  provider_auth: 'the provider rejected the credentials (HTTP 401 or 403)',
  embedding_dimensions: 'the embedding model returned vectors of another size than configured',
  embedder_mismatch: 'the store was written with another embedder or dimension than the configured one',
  reembed_in_progress:
    "the store's re-embedding is not the one asked for: another model's is in progress (continue or cancel it), or none any more",
  // Memories, tools and policy
  not_found: 'a memory id the bank does not hold',
  unknown_tool: 'a tool name that is not one of the memory tools',
  policy_violation: 'a governance policy forbids the operation (legal hold, rule, maximum per call)',
  access_denied:
    'the principal (and the one it acts for) holds no grant of the permission on the bank; `details` names principal, bank and permission',
  rate_limited:
    'the principal or bank made more operations this minute than its rate limit allows; retry after `details.retryAfter` seconds',
  quota_exceeded: 'the operation would take the bank past a quota (`details.quota`: max_memories or max_bytes_per_day)',
  provider_error: 'an embedding or LLM provider failed after retries, or answered with something unusable',
  // Storage, on every backend
  storage_error: 'the storage backend failed in a way no more specific code names',
  not_supported: 'the store does not support the operation (e.g. compact)',
  store_closed: 'the store was closed; open a new one',
  store_not_ready: 'the store was used before `ensureEmbedder` recorded the embedding dimension',
  embedder_not_recorded: 'the store holds no embedder record yet; `ensureEmbedder` must run first',
  schema_too_new: 'the database was written by a newer release than this one',
  vector_extension_missing: 'the vector extension (sqlite-vec, pgvector) is not available to the database',
  vector_extension_outdated: 'the installed vector extension is older than the store needs',
  storage_busy: "another connection held the database's lock for longer than the busy timeout",
  storage_full:
    'the disk holding the database (or a size limit set on it) is full; the write that failed stored nothing',
  storage_corrupt:
    'the SQLite file is not a database, or is damaged (SQLite read a page it cannot make sense of); nothing was written to it',
  storage_unreachable:
    'the database server cannot be reached, or ended the connection mid-operation (a restart, a failover; what was not committed is rolled back); names host and port, never the password',
  storage_auth_failed: 'the database server rejected the credentials',
  storage_database_missing:
    'the named database does not exist on the server, or a store opened only if it is there is not (no SQLite file at the path, no store in the Postgres schema)',
  storage_read_only:
    'the database accepts no writes (a read-only server or transaction; a SQLite file, folder or disk this process may not write)',
  storage_permission_denied:
    'the database user lacks a privilege the store needs, or this process may not open or create the SQLite files',
  pool_exhausted: 'every pooled connection stayed busy for the connection timeout',
  server_connections_exhausted: 'the database server reached its own connection limit',
  // Command line
  usage: 'a command line that cannot run as written; `details.fix` says what to change',
  incomplete: 'a command finished without doing all it was asked (a rejected retain, malformed import lines)',
  // HTTP API
  unauthorized: 'an HTTP request without a bearer token, or with one the server does not accept (HTTP 401)',
  host_not_allowed:
    'an HTTP request whose Host or Origin is not a name the server answers to (HTTP 403); guards against DNS rebinding',
  request_too_large:
    "an HTTP request body larger than the server's limit (HTTP 413), or headers larger than Node's (HTTP 431)",
  malformed_request:
    'an HTTP request that does not parse as HTTP/1.1 (HTTP 400), such as the bytes after a body longer than its Content-Length, or one that did not arrive in time (HTTP 408)',
  unsupported_media_type: 'an HTTP request body that is not `application/json` (HTTP 415)',
  method_not_allowed:
    'an HTTP request whose method its path does not have (HTTP 405); the `Allow` header lists those it has',
  internal_error:
    "a failure no other code names, such as a bug (HTTP 500 from the HTTP API); the server's log has the cause",
  // Managed Agents sessions
  session_error: 'a Managed Agents turn ended without an answer',
  session_failed: 'the platform reported an error it will not retry',
  session_terminated: 'the session terminated during the turn',
  session_deleted: 'the session was deleted during the turn',
  session_timeout: 'the turn did not finish within the timeout; the session was interrupted',
  session_aborted: "the caller's abort signal fired; the session was interrupted",
  session_request_failed: 'the Managed Agents API refused a request; `details.status` holds the HTTP status',
  session_tool_result_failed: 'a tool result could not be delivered to the session after retries',
  session_delete_timeout: 'the session was still running after the interrupt, so it was not deleted',
  session_confirmation_required:
    'the session waits for permission to run a tool and the turn has no onToolConfirmation; the session is left idle',
  // Managed Agents memory stores
  memory_store_request_failed:
    'the memory store API refused a request of a push, pull or diff; `details.status` holds the HTTP status',
  memory_store_conflict: 'a memory store write still conflicted (HTTP 409) after re-reading the memory and retrying',
} as const;

/** A registered error code. */
export type ErrorCode = keyof typeof ERROR_CODES;
