import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@astrocyte/core';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

const DEFAULT_PORT = 3000;
const PORTS_TO_TRY = 50;

/** A listening HTTP server and the URL it answers on. */
export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `app` on `port` when one is given (0 picks any free port), else on 3000 or the first free port after it.
 * An explicit port that is taken is an error: the user asked for that one.
 */
export async function listen(app: Hono, options: { port?: number; host: string }): Promise<Listening> {
  const candidates =
    options.port !== undefined ? [options.port] : Array.from({ length: PORTS_TO_TRY }, (_, i) => DEFAULT_PORT + i);
  for (const port of candidates) {
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    const outcome = await tryListen(server, port, options.host);
    if (outcome === 'listening') {
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const shown = host === '0.0.0.0' || host === '[::]' ? 'localhost' : host;
      return { server, url: `http://${shown}:${address.port}/`, close: () => closeServer(server) };
    }
    if (options.port !== undefined) {
      throw new ConfigError(`port ${port} is in use; pass another with --port, or --port 0 for any free port`);
    }
  }
  throw new ConfigError(`ports ${DEFAULT_PORT} to ${DEFAULT_PORT + PORTS_TO_TRY - 1} are all in use; pass --port`);
}

function tryListen(server: Server, port: number, host: string): Promise<'listening' | 'in-use'> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') resolve('in-use');
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve('listening');
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    // Open event streams would keep close() waiting for ever.
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}
