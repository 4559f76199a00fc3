import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EmulatedAgent, type EmulatedEvent, EmulatedSession, type RejectedEvent } from './emulated-session.js';
import { EmulatorHttpError, invalidRequest, newId, notFound } from './emulator-ids.js';
import { type RequestFault, RequestFaults } from './request-faults.js';
import type { ScriptedAgent } from './scripted-agent.js';

/** The beta the SDK sends on every Managed Agents request; the emulator requires it as the real API does. */
export const MANAGED_AGENTS_BETA = 'managed-agents-2026-04-01';

/** How to start the emulator. */
export interface ManagedAgentsEmulatorOptions {
  /** The scripted agent every session runs. */
  agent: ScriptedAgent;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** When set, requests must carry this `x-api-key`; otherwise any key is accepted. */
  apiKey?: string;
  /** Cut every open stream of a session right after writing an event that matches (stream-drop fault). */
  dropStreamAfter?: (event: EmulatedEvent) => boolean;
}

/** A running emulator: point `new Anthropic({ baseURL: emulator.url, apiKey })` at it. */
export interface ManagedAgentsEmulator {
  /** Base URL for the SDK (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly port: number;
  /** Event streams open right now, across sessions. */
  readonly openStreams: number;
  /** Every request served, in order. */
  readonly requests: ReadonlyArray<{ method: string; path: string; status: number }>;
  /** Client events the emulator refused, e.g. a second result for one tool call. */
  readonly rejectedEvents: ReadonlyArray<RejectedEvent>;
  /** Errors thrown by the scripted agent (other than interrupts and stops). */
  readonly agentErrors: readonly unknown[];
  /** A session by id (deleted ones included), for inspection. */
  session(id: string): EmulatedSession | undefined;
  /** The event log of a session. */
  events(sessionId: string): readonly EmulatedEvent[];
  /** Arms an HTTP fault (see RequestFault). */
  failRequests(fault: RequestFault): void;
  /** Replaces the stream-drop fault; `undefined` disarms it. */
  dropStreamAfter(predicate: ((event: EmulatedEvent) => boolean) | undefined): void;
  /** Resolves true once no event stream is open, or false after `timeoutMs`. */
  waitForStreamsClosed(timeoutMs?: number): Promise<boolean>;
  /** Stops the server and ends every session's work. */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
}

/** Starts a local HTTP server speaking enough of the Managed Agents API for the official SDK to run sessions. */
export async function startManagedAgentsEmulator(
  options: ManagedAgentsEmulatorOptions,
): Promise<ManagedAgentsEmulator> {
  if (typeof options?.agent !== 'function') throw new TypeError('startManagedAgentsEmulator: agent must be a function');
  const agents = new Map<string, EmulatedAgent>();
  const environments = new Map<string, Record<string, unknown>>();
  const sessions = new Map<string, EmulatedSession>();
  const requests: Array<{ method: string; path: string; status: number }> = [];
  const rejectedEvents: RejectedEvent[] = [];
  const agentErrors: unknown[] = [];
  const faults = new RequestFaults();
  let dropAfter = options.dropStreamAfter;
  let openStreams = 0;
  const closeWaiters = new Set<() => void>();

  const hooks = {
    afterEmit(session: EmulatedSession, event: EmulatedEvent) {
      if (dropAfter?.(event)) session.dropStreams();
    },
    onRejected: (rejected: RejectedEvent) => rejectedEvents.push(rejected),
    onAgentError: (error: unknown) => agentErrors.push(error),
    onStreamClosed() {
      openStreams -= 1;
      if (openStreams === 0) for (const wake of closeWaiters) wake();
    },
  };

  const liveSession = (id: string): EmulatedSession => {
    const session = sessions.get(id);
    if (!session || session.deleted) throw notFound(`session ${id} not found`);
    return session;
  };

  const routes: Array<[string, RegExp, (match: string[], body: unknown, url: URL) => Reply]> = [
    ['POST', /^\/v1\/agents$/, (_, body) => createAgent(agents, body)],
    ['GET', /^\/v1\/agents\/([^/]+)$/, ([id]) => found(agents.get(id as string), 'agent', id)],
    ['POST', /^\/v1\/agents\/([^/]+)\/archive$/, ([id]) => archive(agents.get(id as string), 'agent', id)],
    ['POST', /^\/v1\/environments$/, (_, body) => createEnvironment(environments, body)],
    ['GET', /^\/v1\/environments\/([^/]+)$/, ([id]) => found(environments.get(id as string), 'environment', id)],
    [
      'POST',
      /^\/v1\/environments\/([^/]+)\/archive$/,
      ([id]) => archive(environments.get(id as string), 'environment', id),
    ],
    [
      'DELETE',
      /^\/v1\/environments\/([^/]+)$/,
      ([id]) => {
        found(environments.get(id as string), 'environment', id);
        environments.delete(id as string);
        return { status: 200, body: { id, type: 'environment_deleted' } };
      },
    ],
    [
      'POST',
      /^\/v1\/sessions$/,
      (_, body) => {
        const session = createSession(body, agents, environments, options.agent, hooks);
        sessions.set(session.id, session);
        const initial = (body as { initial_events?: unknown }).initial_events;
        if (Array.isArray(initial) && initial.length > 0) session.receive(initial);
        return { status: 200, body: session.toJSON() };
      },
    ],
    [
      'GET',
      /^\/v1\/sessions$/,
      () => ({
        status: 200,
        body: {
          data: [...sessions.values()].filter((s) => !s.deleted).map((s) => s.toJSON()),
          next_page: null,
          prev_page: null,
        },
      }),
    ],
    ['GET', /^\/v1\/sessions\/([^/]+)$/, ([id]) => ({ status: 200, body: liveSession(id as string).toJSON() })],
    [
      'DELETE',
      /^\/v1\/sessions\/([^/]+)$/,
      ([id]) => {
        const session = liveSession(id as string);
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
      ([id], body) => ({
        status: 200,
        body: { data: liveSession(id as string).receive((body as { events?: unknown } | null)?.events) },
      }),
    ],
    ['GET', /^\/v1\/sessions\/([^/]+)\/events$/, ([id], _, url) => listEvents(liveSession(id as string), url)],
  ];

  const server = createServer((request, response) => {
    void serve(request, response).catch((error) => {
      if (!response.headersSent) send(response, 500, errorBody('api_error', String(error)));
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = request.method ?? 'GET';
    const body = await readJson(request);
    const record = (status: number) => requests.push({ method, path: url.pathname, status });
    try {
      checkHeaders(request, options.apiKey);
      const fault = body === INVALID_JSON ? undefined : faults.take(method, url.pathname, body);
      if (fault && !fault.afterProcessing) return failWith(response, fault, record);
      if (body === INVALID_JSON) throw invalidRequest('the body is not valid JSON');
      const streamMatch = method === 'GET' && /^\/v1\/sessions\/([^/]+)\/events\/stream$/.exec(url.pathname);
      if (streamMatch) {
        openStream(liveSession(streamMatch[1] as string), response);
        record(200);
        return;
      }
      const reply = route(method, url, body);
      if (fault) return failWith(response, fault, record);
      record(reply.status);
      send(response, reply.status, reply.body);
    } catch (error) {
      if (!(error instanceof EmulatorHttpError)) throw error;
      record(error.status);
      send(response, error.status, errorBody(error.errorType, error.message));
    }
  }

  function route(method: string, url: URL, body: unknown): Reply {
    for (const [routeMethod, pattern, handler] of routes) {
      const match = pattern.exec(url.pathname);
      if (match && routeMethod === method) return handler(match.slice(1), body, url);
    }
    throw notFound(`no route for ${method} ${url.pathname}`);
  }

  function openStream(session: EmulatedSession, response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // The SDK resolves `events.stream()` when the headers arrive; send them before any event exists.
    response.flushHeaders();
    openStreams += 1;
    session.attach(response);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    get openStreams() {
      return openStreams;
    },
    requests,
    rejectedEvents,
    agentErrors,
    session: (id) => sessions.get(id),
    events: (id) => sessions.get(id)?.log ?? [],
    failRequests: (fault) => faults.add(fault),
    dropStreamAfter(predicate) {
      dropAfter = predicate;
    },
    waitForStreamsClosed(timeoutMs = 2_000) {
      if (openStreams === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const wake = () => finish(true);
        const timer = setTimeout(() => finish(false), timeoutMs);
        function finish(closed: boolean) {
          clearTimeout(timer);
          closeWaiters.delete(wake);
          resolve(closed);
        }
        closeWaiters.add(wake);
      });
    },
    async close() {
      for (const session of sessions.values()) session.shutdown();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const INVALID_JSON = Symbol('invalid json');

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

function checkHeaders(request: IncomingMessage, apiKey: string | undefined): void {
  const given = request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /i, '');
  if (!given || (apiKey !== undefined && given !== apiKey)) {
    throw new EmulatorHttpError(401, 'authentication_error', 'invalid x-api-key');
  }
  const betas = String(request.headers['anthropic-beta'] ?? '')
    .split(',')
    .map((beta) => beta.trim());
  if (!betas.includes(MANAGED_AGENTS_BETA)) {
    throw invalidRequest(`this endpoint is in beta: send the anthropic-beta header ${MANAGED_AGENTS_BETA}`);
  }
}

function failWith(response: ServerResponse, fault: RequestFault, record: (status: number) => void): void {
  if (fault.dropConnection) {
    record(0);
    response.socket?.destroy();
    return;
  }
  const status = fault.status ?? 500;
  record(status);
  send(response, status, errorBody(status >= 500 ? 'api_error' : 'invalid_request_error', 'injected fault'));
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req') });
  response.end(text);
}

function errorBody(type: string, message: string): unknown {
  return { type: 'error', error: { type, message } };
}

function found(value: unknown, kind: string, id: string | undefined): Reply {
  if (value === undefined) throw notFound(`${kind} ${id} not found`);
  return { status: 200, body: value };
}

function archive(value: Record<string, unknown> | undefined, kind: string, id: string | undefined): Reply {
  if (value === undefined) throw notFound(`${kind} ${id} not found`);
  value.archived_at ??= new Date().toISOString();
  return { status: 200, body: value };
}

function createAgent(agents: Map<string, EmulatedAgent>, body: unknown): Reply {
  const input = (body ?? {}) as Record<string, unknown>;
  if (typeof input.name !== 'string' || input.name.length === 0) throw invalidRequest('name: is required');
  if (input.model === undefined) throw invalidRequest('model: is required');
  const tools = Array.isArray(input.tools) ? (input.tools as EmulatedAgent['tools']) : [];
  for (const tool of tools) {
    if (tool?.type === 'custom' && (typeof tool.name !== 'string' || typeof tool.input_schema !== 'object')) {
      throw invalidRequest('tools: a custom tool needs a name and an input_schema');
    }
  }
  const now = new Date().toISOString();
  const agent: EmulatedAgent = {
    id: newId('agent'),
    type: 'agent',
    name: input.name,
    description: input.description ?? null,
    model: typeof input.model === 'string' ? { id: input.model } : input.model,
    system: input.system ?? null,
    tools,
    mcp_servers: input.mcp_servers ?? [],
    skills: input.skills ?? [],
    multiagent: input.multiagent ?? null,
    metadata: input.metadata ?? {},
    execution_identity: { type: 'service_account' },
    version: 1,
    archived_at: null,
    created_at: now,
    updated_at: now,
  };
  agents.set(agent.id, agent);
  return { status: 200, body: agent };
}

function createEnvironment(environments: Map<string, Record<string, unknown>>, body: unknown): Reply {
  const input = (body ?? {}) as Record<string, unknown>;
  if (typeof input.name !== 'string' || input.name.length === 0) throw invalidRequest('name: is required');
  const now = new Date().toISOString();
  const environment = {
    id: newId('env'),
    type: 'environment',
    name: input.name,
    description: input.description ?? null,
    config: input.config ?? { type: 'cloud', networking: { type: 'unrestricted' } },
    metadata: input.metadata ?? {},
    archived_at: null,
    created_at: now,
    updated_at: now,
  };
  environments.set(environment.id, environment);
  return { status: 200, body: environment };
}

function createSession(
  body: unknown,
  agents: Map<string, EmulatedAgent>,
  environments: Map<string, Record<string, unknown>>,
  script: ScriptedAgent,
  hooks: ConstructorParameters<typeof EmulatedSession>[6],
): EmulatedSession {
  const input = (body ?? {}) as Record<string, unknown>;
  const agentId = typeof input.agent === 'string' ? input.agent : (input.agent as { id?: unknown } | undefined)?.id;
  const agent = typeof agentId === 'string' ? agents.get(agentId) : undefined;
  if (!agent) throw notFound(`agent ${String(agentId)} not found`);
  const environmentId = input.environment_id;
  if (typeof environmentId !== 'string' || !environments.has(environmentId)) {
    throw notFound(`environment ${String(environmentId)} not found`);
  }
  return new EmulatedSession(
    newId('sesn'),
    structuredClone(agent),
    environmentId,
    typeof input.title === 'string' ? input.title : null,
    (input.metadata as Record<string, string> | undefined) ?? {},
    script,
    hooks,
  );
}

function listEvents(session: EmulatedSession, url: URL): Reply {
  const types = [...url.searchParams.getAll('types[]'), ...url.searchParams.getAll('types')];
  const order = url.searchParams.get('order') === 'desc' ? 'desc' : 'asc';
  const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 20) || 20, 1), 1000);
  const offset = Number(url.searchParams.get('page')?.replace(/^page_/, '') ?? 0) || 0;
  let events = types.length > 0 ? session.log.filter((event) => types.includes(event.type)) : [...session.log];
  if (order === 'desc') events = events.reverse();
  const data = events.slice(offset, offset + limit);
  const next = offset + limit < events.length ? `page_${offset + limit}` : null;
  return { status: 200, body: { data, next_page: next } };
}
