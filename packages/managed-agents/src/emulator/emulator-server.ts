import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { agentRoutes } from './agent-routes.js';
import type { EmulatedAgent, EmulatedEvent, EmulatedSession, RejectedEvent } from './emulated-session.js';
import {
  type Caller,
  checkApiKey,
  checkBeta,
  failWith,
  INVALID_JSON,
  type Route,
  readJson,
  send,
  sendError,
} from './emulator-http.js';
import { EmulatorHttpError, invalidRequest, notFound } from './emulator-ids.js';
import { environmentRoutes } from './environment-routes.js';
import { memoryStoreRoutes } from './memory-store-routes.js';
import type { EmulatedMemoryStore } from './memory-stores.js';
import { type RequestFault, RequestFaults } from './request-faults.js';
import type { ScriptedAgent } from './scripted-agent.js';
import { liveSession, sessionRoutes } from './session-routes.js';

export { MANAGED_AGENTS_BETA, MEMORY_STORES_BETA } from './emulator-http.js';

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

/** A request as `beforeRequest` sees it. */
export interface EmulatedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body (undefined when there is none or it is not JSON). */
  body: unknown;
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
  /**
   * A memory store by id (not deleted), for inspection and for writes made beside the API (`write`, `remove`), as a
   * concurrent writer would make them; those versions name a `user_actor`.
   */
  memoryStore(id: string): EmulatedMemoryStore | undefined;
  /** Arms an HTTP fault (see RequestFault). */
  failRequests(fault: RequestFault): void;
  /** Replaces the stream-drop fault; `undefined` disarms it. */
  dropStreamAfter(predicate: ((event: EmulatedEvent) => boolean) | undefined): void;
  /**
   * Runs `hook` on each request before the emulator handles it (`undefined` removes it): a test's concurrent writer
   * can change a memory between a client's read and its conditional write, which is what makes the 409 happen.
   */
  beforeRequest(hook: ((request: EmulatedRequest) => void) | undefined): void;
  /** Resolves true once no event stream is open, or false after `timeoutMs`. */
  waitForStreamsClosed(timeoutMs?: number): Promise<boolean>;
  /** Stops the server and ends every session's work. */
  close(): Promise<void>;
}

/** Starts a local HTTP server speaking enough of the Managed Agents API for the official SDK to run sessions. */
export async function startManagedAgentsEmulator(
  options: ManagedAgentsEmulatorOptions,
): Promise<ManagedAgentsEmulator> {
  if (typeof options?.agent !== 'function') throw new TypeError('startManagedAgentsEmulator: agent must be a function');
  const agents = new Map<string, EmulatedAgent>();
  const environments = new Map<string, Record<string, unknown>>();
  const sessions = new Map<string, EmulatedSession>();
  const memoryStores = new Map<string, EmulatedMemoryStore>();
  const requests: Array<{ method: string; path: string; status: number }> = [];
  const rejectedEvents: RejectedEvent[] = [];
  const agentErrors: unknown[] = [];
  const faults = new RequestFaults();
  let dropAfter = options.dropStreamAfter;
  let beforeRequest: ((request: EmulatedRequest) => void) | undefined;
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

  const routes: Route[] = [
    ...agentRoutes(agents),
    ...environmentRoutes(environments),
    ...sessionRoutes({ agents, environments, sessions, memoryStores, script: options.agent, hooks }),
    ...memoryStoreRoutes(memoryStores),
  ];

  const server = createServer((request, response) => {
    void serve(request, response).catch((error) => {
      if (!response.headersSent) sendError(response, 500, 'api_error', String(error));
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = request.method ?? 'GET';
    const body = await readJson(request);
    const record = (status: number) => requests.push({ method, path: url.pathname, status });
    try {
      const caller = checkApiKey(request, options.apiKey);
      const streamMatch = method === 'GET' && /^\/v1\/sessions\/([^/]+)\/events\/stream$/.exec(url.pathname);
      const handle = streamMatch ? undefined : route(method, url.pathname);
      checkBeta(request);
      beforeRequest?.({
        method,
        path: url.pathname,
        query: url.searchParams,
        body: body === INVALID_JSON ? undefined : body,
      });
      const fault = body === INVALID_JSON ? undefined : faults.take(method, url.pathname, body);
      if (fault && !fault.afterProcessing) return failWith(response, fault, record);
      if (body === INVALID_JSON) throw invalidRequest('the body is not valid JSON');
      if (streamMatch) {
        openStream(liveSession(sessions, streamMatch[1] as string), response);
        record(200);
        return;
      }
      const reply = (handle as NonNullable<typeof handle>)(body, url, caller);
      if (fault) return failWith(response, fault, record);
      record(reply.status);
      send(response, reply.status, reply.body);
    } catch (error) {
      if (!(error instanceof EmulatorHttpError)) throw error;
      record(error.status);
      sendError(response, error.status, error.errorType, error.message, error.fields);
    }
  }

  /** The handler for a path, or 404 (`not_found_error`) for a path the emulator does not serve. */
  function route(method: string, path: string) {
    for (const [routeMethod, pattern, handler] of routes) {
      const match = pattern.exec(path);
      if (match && routeMethod === method) {
        return (body: unknown, url: URL, caller: Caller) => handler(match.slice(1), body, url, caller);
      }
    }
    throw notFound(`no route for ${method} ${path}`);
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
    memoryStore: (id) => memoryStores.get(id),
    failRequests: (fault) => faults.add(fault),
    beforeRequest(hook) {
      beforeRequest = hook;
    },
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
