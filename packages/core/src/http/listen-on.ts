import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../errors.js';

/** A server listening: the port it got (the one picked when 0 was asked), its origin, and how to stop it. */
export interface Listening {
  port: number;
  /** `http://host:port`, an IPv6 address in brackets. */
  origin: string;
  /** Stops accepting and drops the open connections. */
  close(): Promise<void>;
}

/**
 * Starts `server` on `host`:`port`. A port another process holds, one this process may not bind, or a host that is
 * not an address of this machine is a ValidationError naming `port` or `host` (Node's EADDRINUSE reached users raw).
 */
export async function listenOn(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenError(error, port, host));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    port: address.port,
    origin: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): unknown {
  const options = { cause: error };
  switch (error.code) {
    case 'EADDRINUSE':
      return new ValidationError(
        'port',
        `${port} on ${host} is in use by another process; stop it, or pick another port (0 picks a free one)`,
        options,
      );
    case 'EACCES':
      return new ValidationError(
        'port',
        `${port} on ${host} may not be bound by this process (ports below 1024 need privileges); pick another port`,
        options,
      );
    case 'EADDRNOTAVAIL':
      return new ValidationError('host', `${host} is not an address of this machine`, options);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ValidationError('host', `${host} does not resolve to an address`, options);
    default:
      return error;
  }
}
