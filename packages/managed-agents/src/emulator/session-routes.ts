import { type EmulatedAgent, EmulatedSession, type SessionHooks } from './emulated-session.js';
import { bodyObject, type Reply, type Route } from './emulator-http.js';
import { invalidRequest, newId, notFound } from './emulator-ids.js';
import { mountMemoryStores } from './memory-mounts.js';
import type { EmulatedMemoryStore } from './memory-stores.js';
import type { ScriptedAgent } from './scripted-agent.js';

type Params = Record<string, unknown>;

/** What the session routes read and write. */
export interface SessionStore {
  agents: Map<string, EmulatedAgent>;
  environments: Map<string, Params>;
  sessions: Map<string, EmulatedSession>;
  memoryStores: Map<string, EmulatedMemoryStore>;
  script: ScriptedAgent;
  hooks: SessionHooks;
}

/** A session that exists and is not deleted, or 404. */
export function liveSession(sessions: Map<string, EmulatedSession>, id: string): EmulatedSession {
  const session = sessions.get(id);
  if (!session || session.deleted) throw notFound(`session ${id} not found`);
  return session;
}

/** `client.beta.sessions` and `client.beta.sessions.events` (list, send; the stream is served apart). */
export function sessionRoutes(store: SessionStore): Route[] {
  const live = (id: string | undefined) => liveSession(store.sessions, id as string);
  return [
    ['POST', /^\/v1\/sessions$/, (_, body) => createSession(store, body)],
    [
      'GET',
      /^\/v1\/sessions$/,
      () => ({
        status: 200,
        body: {
          data: [...store.sessions.values()].filter((s) => !s.deleted).map((s) => s.toJSON()),
          next_page: null,
          prev_page: null,
        },
      }),
    ],
    ['GET', /^\/v1\/sessions\/([^/]+)$/, ([id]) => ({ status: 200, body: live(id).toJSON() })],
    [
      'DELETE',
      /^\/v1\/sessions\/([^/]+)$/,
      ([id]) => {
        const session = live(id);
        if (session.status === 'running' || session.status === 'rescheduling') {
          throw invalidRequest(`session ${session.id} is ${session.status}; interrupt it before deleting`);
        }
        session.markDeleted();
        return { status: 200, body: { id: session.id, type: 'session_deleted' } };
      },
    ],
    [
      'POST',
      /^\/v1\/sessions\/([^/]+)\/events$/,
      ([id], body) => ({ status: 200, body: { data: live(id).receive(bodyObject(body).events) } }),
    ],
    ['GET', /^\/v1\/sessions\/([^/]+)\/events$/, ([id], _, url) => listEvents(live(id), url)],
  ];
}

function createSession(store: SessionStore, body: unknown): Reply {
  const input = bodyObject(body);
  const agentId = typeof input.agent === 'string' ? input.agent : (input.agent as { id?: unknown } | undefined)?.id;
  const agent = typeof agentId === 'string' ? store.agents.get(agentId) : undefined;
  if (!agent) throw notFound(`agent ${String(agentId)} not found`);
  const environmentId = input.environment_id;
  if (typeof environmentId !== 'string' || !store.environments.has(environmentId)) {
    throw notFound(`environment ${String(environmentId)} not found`);
  }
  const vaultIds = input.vault_ids ?? [];
  if (!Array.isArray(vaultIds) || !vaultIds.every((id) => typeof id === 'string')) {
    throw invalidRequest('vault_ids: must be an array of strings');
  }
  const resources = input.resources ?? [];
  if (!Array.isArray(resources)) throw invalidRequest('resources: must be an array');
  const given = resources.map((resource) => bodyObject(resource));
  const isStore = (resource: Params) =>
    resource.type === 'memory_store' && typeof resource.memory_store_id === 'string';
  const memory = mountMemoryStores(given.filter(isStore), store.memoryStores);
  let mounted = 0;
  const session = new EmulatedSession(
    newId('sesn'),
    structuredClone(agent),
    environmentId,
    {
      title: typeof input.title === 'string' ? input.title : null,
      metadata: (input.metadata as Record<string, string> | undefined) ?? {},
      resources: given.map((resource) =>
        isStore(resource) ? (memory.resources[mounted++] as Params) : resolveResource(resource),
      ),
      memoryMounts: memory.mounts,
      vaultIds: vaultIds as string[],
      budget: input.budget === undefined ? null : checkBudget(input.budget),
    },
    store.script,
    store.hooks,
  );
  store.sessions.set(session.id, session);
  const initial = input.initial_events;
  if (Array.isArray(initial) && initial.length > 0) session.receive(initial);
  return { status: 200, body: session.toJSON() };
}

/** A resource as the session returns it (the SDK's `BetaManagedAgentsSessionResource`; tokens are not echoed). */
function resolveResource(resource: Params): Params {
  const now = new Date().toISOString();
  const mountPath = typeof resource.mount_path === 'string' ? resource.mount_path : undefined;
  if (resource.type === 'github_repository' && typeof resource.url === 'string') {
    const repository =
      resource.url
        .replace(/\.git$/, '')
        .split('/')
        .filter(Boolean)
        .at(-1) ?? 'repository';
    return {
      id: newId('sesrsc'),
      type: 'github_repository',
      url: resource.url,
      mount_path: mountPath ?? `/workspace/${repository}`,
      checkout: resource.checkout ?? null,
      created_at: now,
      updated_at: now,
    };
  }
  if (resource.type === 'file' && typeof resource.file_id === 'string') {
    return {
      id: newId('sesrsc'),
      type: 'file',
      file_id: resource.file_id,
      mount_path: mountPath ?? `/mnt/session/uploads/${resource.file_id}`,
      created_at: now,
      updated_at: now,
    };
  }
  throw invalidRequest(
    'resources: each must be a github_repository (url), a file (file_id) or a memory_store (memory_store_id)',
  );
}

/** `budget` must be a `limit` with a `max_list_cost` in minor units (a decimal string) and a currency. */
function checkBudget(budget: unknown): Params {
  const { type, max_list_cost: cost } = bodyObject(budget);
  const { amount, currency } = bodyObject(cost);
  if (
    type !== 'limit' ||
    typeof amount !== 'string' ||
    !/^(0|[1-9]\d*)$/.test(amount) ||
    typeof currency !== 'string'
  ) {
    throw invalidRequest('budget: must be { type: "limit", max_list_cost: { amount: "<minor units>", currency } }');
  }
  return { type, max_list_cost: { amount, currency } };
}

/** `created_at[gt|gte|lt|lte]` bounds, compared against each event's `processed_at` as the API does. */
const CREATED_AT: Array<[string, (at: number, bound: number) => boolean]> = [
  ['created_at[gt]', (at, bound) => at > bound],
  ['created_at[gte]', (at, bound) => at >= bound],
  ['created_at[lt]', (at, bound) => at < bound],
  ['created_at[lte]', (at, bound) => at <= bound],
];

function listEvents(session: EmulatedSession, url: URL): Reply {
  const params = url.searchParams;
  const types = [...params.getAll('types[]'), ...params.getAll('types')];
  const order = params.get('order') === 'desc' ? 'desc' : 'asc';
  const limit = Math.min(Math.max(Number(params.get('limit') ?? 20) || 20, 1), 1000);
  const offset = Number(params.get('page')?.replace(/^page_/, '') ?? 0) || 0;
  const bounds = CREATED_AT.flatMap(([name, test]) => {
    const value = params.get(name);
    if (value === null) return [];
    const bound = Date.parse(value);
    if (Number.isNaN(bound)) throw invalidRequest(`${name}: must be an RFC 3339 timestamp`);
    return [(at: number) => test(at, bound)];
  });
  let events = session.log.filter((event) => {
    if (types.length > 0 && !types.includes(event.type)) return false;
    if (bounds.length === 0) return true;
    // A queued event has no processed_at yet, so no time bound can include it.
    return event.processed_at !== null && bounds.every((within) => within(Date.parse(event.processed_at as string)));
  });
  if (order === 'desc') events = events.reverse();
  const data = events.slice(offset, offset + limit);
  const next = offset + limit < events.length ? `page_${offset + limit}` : null;
  return { status: 200, body: { data, next_page: next } };
}
