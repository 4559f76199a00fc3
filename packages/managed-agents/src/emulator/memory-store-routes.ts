import { bodyObject, type Caller, type Reply, type Route } from './emulator-http.js';
import { invalidRequest, newId, notFound } from './emulator-ids.js';
import { checkPathPrefix, listedPath } from './memory-paths.js';
import {
  checkSha256,
  EmulatedMemoryStore,
  type MemoryActor,
  type MemoryChange,
  type StoredMemory,
  type StoredVersion,
} from './memory-stores.js';

type Params = Record<string, unknown>;
type View = 'basic' | 'full';

/** A page holds 20 items unless `limit` says otherwise; at most 100, and at most 20 with `view=full` (the SDK's docs). */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const MAX_FULL_LIMIT = 20;
const OPERATIONS = ['created', 'modified', 'deleted'];

const STORE = '/v1/memory_stores/([^/]+)';

/**
 * `client.beta.memoryStores` with `.memories` and `.memoryVersions` (SDK 1.13, beta `agent-memory-2026-07-22`):
 * stores (create, retrieve, update, list, archive, delete), memories (create, retrieve, update, list by prefix and
 * depth, delete, with `content_sha256` preconditions) and versions (list with filters, retrieve, redact).
 */
export function memoryStoreRoutes(stores: Map<string, EmulatedMemoryStore>): Route[] {
  let storesCreated = 0;
  const store = (id: string | undefined) => {
    const found = stores.get(id as string);
    if (!found) throw notFound(`memory store ${id} not found`);
    return found;
  };
  const api = (caller: Caller): MemoryActor => ({ type: 'api_actor', api_key_id: caller.apiKeyId });
  return [
    [
      'POST',
      /^\/v1\/memory_stores$/,
      (_, body) => {
        const input = bodyObject(body);
        const made = new EmulatedMemoryStore(
          newId('memstore'),
          storesCreated++,
          checkName(input.name),
          input.description === undefined ? '' : checkDescription(input.description),
          checkMetadata(input.metadata ?? {}, {}),
        );
        stores.set(made.id, made);
        return ok(made.toJSON());
      },
    ],
    ['GET', /^\/v1\/memory_stores$/, (_, __, url) => listStores(stores, url)],
    ['GET', new RegExp(`^${STORE}$`), ([id]) => ok(store(id).toJSON())],
    ['POST', new RegExp(`^${STORE}$`), ([id], body) => ok(updateStore(store(id), bodyObject(body)))],
    [
      'POST',
      new RegExp(`^${STORE}/archive$`),
      ([id]) => {
        const archived = store(id);
        if (archived.archivedAt === null) {
          archived.archivedAt = new Date().toISOString();
          archived.updatedAt = archived.archivedAt;
        }
        return ok(archived.toJSON());
      },
    ],
    [
      'DELETE',
      new RegExp(`^${STORE}$`),
      ([id]) => {
        const deleted = store(id);
        stores.delete(deleted.id);
        // Sessions that mounted it hold the object: their file tools see it gone.
        deleted.deleted = true;
        return ok({ id: deleted.id, type: 'memory_store_deleted' });
      },
    ],
    [
      'POST',
      new RegExp(`^${STORE}/memories$`),
      ([id], body, url, caller) => {
        const input = bodyObject(body);
        // `content: null` is allowed by the SDK's type; it creates an empty memory, as `""` does.
        const memory = store(id).create(input.path, input.content ?? '', api(caller));
        return ok(memoryJSON(store(id), memory, view(url, 'basic')));
      },
    ],
    ['GET', new RegExp(`^${STORE}/memories$`), ([id], _, url) => listMemories(store(id), url)],
    [
      'GET',
      new RegExp(`^${STORE}/memories/([^/]+)$`),
      ([id, memoryId], _, url) => ok(memoryJSON(store(id), store(id).memory(memoryId as string), view(url, 'full'))),
    ],
    [
      'POST',
      new RegExp(`^${STORE}/memories/([^/]+)$`),
      ([id, memoryId], body, url, caller) => {
        const updated = store(id).update(memoryId as string, memoryChange(bodyObject(body)), api(caller));
        return ok(memoryJSON(store(id), updated, view(url, 'basic')));
      },
    ],
    [
      'DELETE',
      new RegExp(`^${STORE}/memories/([^/]+)$`),
      ([id, memoryId], _, url, caller) => {
        const expected = url.searchParams.get('expected_content_sha256');
        const sha = expected === null ? undefined : checkSha256(expected, 'expected_content_sha256');
        store(id).delete(memoryId as string, sha, api(caller));
        return ok({ id: memoryId, type: 'memory_deleted' });
      },
    ],
    ['GET', new RegExp(`^${STORE}/memory_versions$`), ([id], _, url) => listVersions(store(id), url)],
    [
      'GET',
      new RegExp(`^${STORE}/memory_versions/([^/]+)$`),
      ([id, versionId], _, url) =>
        ok(versionJSON(store(id), store(id).version(versionId as string), view(url, 'full'))),
    ],
    [
      'POST',
      new RegExp(`^${STORE}/memory_versions/([^/]+)/redact$`),
      ([id, versionId], _, __, caller) =>
        ok(versionJSON(store(id), store(id).redact(versionId as string, api(caller)), 'full')),
    ],
  ];
}

const ok = (body: unknown): Reply => ({ status: 200, body });

/** A memory as the SDK's `BetaManagedAgentsMemory` types it; `content` is null with `view=basic`. */
function memoryJSON(store: EmulatedMemoryStore, memory: StoredMemory, shown: View): Params {
  return {
    id: memory.id,
    type: 'memory',
    memory_store_id: store.id,
    path: memory.path,
    content: shown === 'full' ? memory.content : null,
    content_sha256: memory.contentSha256,
    content_size_bytes: Buffer.byteLength(memory.content, 'utf8'),
    memory_version_id: memory.versionId,
    created_at: memory.createdAt,
    updated_at: memory.updatedAt,
  };
}

/** A version as the SDK's `BetaManagedAgentsMemoryVersion` types it (`redacted_by` absent until redacted). */
function versionJSON(store: EmulatedMemoryStore, version: StoredVersion, shown: View): Params {
  return {
    id: version.id,
    type: 'memory_version',
    memory_id: version.memoryId,
    memory_store_id: store.id,
    operation: version.operation,
    path: version.path,
    content: shown === 'full' ? version.content : null,
    content_sha256: version.contentSha256,
    content_size_bytes: version.contentSizeBytes,
    created_at: version.createdAt,
    created_by: version.createdBy,
    redacted_at: version.redactedAt,
    ...(version.redactedBy ? { redacted_by: version.redactedBy } : {}),
  };
}

function memoryChange(input: Params): MemoryChange {
  const change: MemoryChange = {};
  // Null and absent both leave the field as it is (the SDK's `MemoryUpdateParams`).
  if (input.content != null) change.content = input.content as string;
  if (input.path != null) change.path = input.path as string;
  if (input.precondition !== undefined) {
    const precondition = bodyObject(input.precondition);
    if (precondition.type !== 'content_sha256') throw invalidRequest('precondition.type: must be content_sha256');
    change.expectedSha256 = checkSha256(precondition.content_sha256, 'precondition.content_sha256');
  }
  return change;
}

function listMemories(store: EmulatedMemoryStore, url: URL): Reply {
  const params = url.searchParams;
  const prefix = checkPathPrefix(params.get('path_prefix') ?? '/');
  const depth = integerParam(params, 'depth', 0);
  const shown = view(url, 'basic');
  const items = new Map<string, Params>();
  for (const memory of store.list()) {
    if (!memory.path.startsWith(prefix)) continue;
    const listed = listedPath(memory.path, prefix, depth);
    items.set(
      listed.path,
      listed.rolledUp ? { type: 'memory_prefix', path: listed.path } : memoryJSON(store, memory, shown),
    );
  }
  const sorted = [...items.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return page(
    sorted,
    params,
    shown,
    ([path]) => path,
    ([path], cursor) => path > cursor,
  );
}

function listVersions(store: EmulatedMemoryStore, url: URL): Reply {
  const params = url.searchParams;
  const shown = view(url, 'basic');
  const operation = params.get('operation');
  if (operation !== null && !OPERATIONS.includes(operation)) {
    throw invalidRequest(`operation: must be one of ${OPERATIONS.join(', ')}`);
  }
  const actorFilters: Array<[string, (actor: MemoryActor) => string | undefined]> = [
    ['session_id', (actor) => (actor.type === 'session_actor' ? actor.session_id : undefined)],
    ['api_key_id', (actor) => (actor.type === 'api_actor' ? actor.api_key_id : undefined)],
    ['service_account_id', (actor) => (actor.type === 'service_account_actor' ? actor.service_account_id : undefined)],
  ];
  const within = createdWithin(params);
  const memoryId = params.get('memory_id');
  const matching = store
    .versions()
    .filter(
      (version) =>
        (memoryId === null || version.memoryId === memoryId) &&
        (operation === null || version.operation === operation) &&
        actorFilters.every(([name, idOf]) => {
          const wanted = params.get(name);
          return wanted === null || idOf(version.createdBy) === wanted;
        }) &&
        within(version.createdAt),
    )
    .reverse();
  const entries = matching.map((version): [number, Params] => [version.seq, versionJSON(store, version, shown)]);
  return page(
    entries,
    params,
    shown,
    ([seq]) => String(seq),
    ([seq], cursor) => seq < Number(cursor),
  );
}

function listStores(stores: Map<string, EmulatedMemoryStore>, url: URL): Reply {
  const params = url.searchParams;
  const includeArchived = params.get('include_archived') === 'true';
  const within = createdWithin(params);
  const listed = [...stores.values()]
    .filter((store) => (includeArchived || store.archivedAt === null) && within(store.createdAt))
    .reverse()
    .map((store): [number, Params] => [store.seq, store.toJSON()]);
  return page(
    listed,
    params,
    'basic',
    ([seq]) => String(seq),
    ([seq], cursor) => seq < Number(cursor),
  );
}

/**
 * One page of `entries` (already in list order, each a key and the item to answer), after the cursor in `page`.
 * The cursor names the last key served, so a write between pages neither repeats nor skips what remains.
 */
function page<K>(
  entries: Array<[K, Params]>,
  params: URLSearchParams,
  shown: View,
  keyOf: (entry: [K, Params]) => string,
  isAfter: (entry: [K, Params], cursor: string) => boolean,
): Reply {
  const limit = Math.min(
    integerParam(params, 'limit', DEFAULT_LIMIT, 1),
    shown === 'full' ? MAX_FULL_LIMIT : MAX_LIMIT,
  );
  const cursor = params.get('page');
  let rest = entries;
  if (cursor) {
    const decoded = /^page_([A-Za-z0-9_-]+)$/.exec(cursor);
    if (!decoded) throw invalidRequest('page: not a cursor this list returned');
    const key = Buffer.from(decoded[1] as string, 'base64url').toString('utf8');
    rest = entries.filter((entry) => isAfter(entry, key));
  }
  const served = rest.slice(0, limit);
  const last = served.at(-1);
  const next = rest.length > limit && last ? `page_${Buffer.from(keyOf(last), 'utf8').toString('base64url')}` : null;
  return ok({ data: served.map(([, item]) => item), next_page: next });
}

function view(url: URL, fallback: View): View {
  const given = url.searchParams.get('view');
  if (given === null) return fallback;
  if (given !== 'basic' && given !== 'full') throw invalidRequest('view: must be basic or full');
  return given;
}

function integerParam(params: URLSearchParams, name: string, fallback: number, min = 0): number {
  const given = params.get(name);
  if (given === null) return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value < min) throw invalidRequest(`${name}: must be an integer of at least ${min}`);
  return value;
}

/** The `created_at[gte]` and `created_at[lte]` bounds (inclusive) of a list. */
function createdWithin(params: URLSearchParams): (createdAt: string) => boolean {
  const bound = (name: string) => {
    const value = params.get(name);
    if (value === null) return undefined;
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw invalidRequest(`${name}: must be an RFC 3339 timestamp`);
    return at;
  };
  const gte = bound('created_at[gte]');
  const lte = bound('created_at[lte]');
  return (createdAt) => {
    const at = Date.parse(createdAt);
    return (gte === undefined || at >= gte) && (lte === undefined || at <= lte);
  };
}

function updateStore(store: EmulatedMemoryStore, input: Params): Params {
  if (store.archivedAt !== null) throw invalidRequest(`memory store ${store.id} is archived and cannot be updated`);
  const name = input.name == null ? store.name : checkName(input.name);
  const description = input.description == null ? store.description : checkDescription(input.description);
  const metadata = input.metadata == null ? store.metadata : checkMetadata(input.metadata, store.metadata);
  if (
    name !== store.name ||
    description !== store.description ||
    JSON.stringify(metadata) !== JSON.stringify(store.metadata)
  ) {
    Object.assign(store, { name, description, metadata, updatedAt: new Date().toISOString() });
  }
  return store.toJSON();
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 255 || /\p{Cc}/u.test(name)) {
    throw invalidRequest('name: must be 1 to 255 characters, without control characters');
  }
  return name;
}

function checkDescription(description: unknown): string {
  if (typeof description !== 'string' || description.length > 1024) {
    throw invalidRequest('description: must be a string of at most 1,024 characters');
  }
  return description;
}

/** Applies a metadata patch (a null value removes its key) and checks the limits: 16 pairs, keys 1-64, values 512. */
function checkMetadata(patch: unknown, current: Record<string, string>): Record<string, string> {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw invalidRequest('metadata: must be an object');
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key.length < 1 || key.length > 64) throw invalidRequest('metadata: keys must be 1 to 64 characters');
    if (value === null) delete next[key];
    else if (typeof value === 'string' && value.length <= 512) next[key] = value;
    else throw invalidRequest('metadata: values must be strings of at most 512 characters');
  }
  if (Object.keys(next).length > 16) throw invalidRequest('metadata: at most 16 pairs');
  return next;
}
