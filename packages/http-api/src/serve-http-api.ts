import { createServer } from 'node:http';
import { type AccessCheck, accessCheck, answerMalformedRequests, type Brain, listenOn } from '@astrocyte/core';
import { getRequestListener } from '@hono/node-server';
import { buildHttpApi } from './create-http-api.js';
import { parseHttpApiOptions, type ServeHttpApiOptions } from './http-api-options.js';

/** A listening HTTP API. */
export interface RunningHttpApi {
  /** The server's base URL, e.g. http://127.0.0.1:8766. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the HTTP API on Node's HTTP server, by default on 127.0.0.1:8766. Refuses to bind an address other than
 * loopback without tokens. The brain stays open: closing it is the caller's job.
 */
export async function serveHttpApi(brain: Brain, options: ServeHttpApiOptions = {}): Promise<RunningHttpApi> {
  const settings = parseHttpApiOptions({ ...options, port: options.port ?? 8766 });
  // Set once listening, when the port is known; no request arrives before that.
  let check: AccessCheck = () => ({ refused: { status: 403, message: 'not listening yet' } });
  const app = buildHttpApi(brain, settings, () => check);
  // Node's own Request and Response stay in place: the process may be an application's, with its own fetch calls.
  const http = createServer(
    getRequestListener(app.fetch, {
      overrideGlobalObjects: false,
      // A request that cannot become a fetch Request (a Host a URL would rewrite: `127.0.0.1:8766.`, `a@b`) was
      // answered with an empty 400; it gets the API's JSON, as every other error does.
      errorHandler: (error) =>
        Response.json(
          {
            error: {
              code: 'malformed_request',
              message: `the request's Host header or target cannot form a URL (${(error as Error).message})`,
              details: {},
            },
          },
          { status: 400, headers: { connection: 'close' } },
        ),
    }),
  );
  answerMalformedRequests(http, (status, message) => ({
    error: { code: status === 400 || status === 408 ? 'malformed_request' : 'request_too_large', message, details: {} },
  }));

  const listening = await listenOn(http, settings.port, settings.host);
  check = accessCheck({ ...settings, port: listening.port, realm: 'astrocyte' });
  return { url: listening.origin, close: listening.close };
}
