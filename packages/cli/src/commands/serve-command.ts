import { bodyBytesFor } from '@astrocyte/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli-session.js';
import { withSession } from '../command-action.js';
import { parseList, parsePort } from '../option-parsers.js';
import { terminationSignal } from '../termination-signal.js';

/** Registers serve: the HTTP API, for applications in any language, with the config's tokens mapped to principals. */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('serve the HTTP API (JSON routes under /v1/banks/{bank}); callers send a token from access.tokens')
    .option('--host <host>', 'address to bind (default 127.0.0.1); any other needs access.tokens in the config')
    .option('--port <port>', 'port (default 8766; 0 picks a free one)', parsePort)
    .option('--allowed-host <hosts>', 'extra Host names clients reach the server by, comma-separated', parseList)
    .action(
      withSession(io, async (session, options: { host?: string; port?: number; allowedHost?: string[] }) => {
        const { config } = await session.config();
        const tokens = config.access?.tokens ?? [];
        // Loaded here so that every other command starts without Hono.
        const { serveHttpApi } = await import('@astrocyte/http-api');
        const running = await serveHttpApi(await session.brain(), {
          ...(options.host ? { host: options.host } : {}),
          ...(options.port !== undefined ? { port: options.port } : {}),
          ...(options.allowedHost ? { allowedHosts: options.allowedHost } : {}),
          tokens,
          // A body that holds the longest text the config lets a retain store.
          maxBodyBytes: bodyBytesFor(config.limits.max_content_length),
        });
        // Who may call, one entry per token (never the token itself).
        const principals = tokens.map((entry) => entry.principal);
        session.print({ url: running.url, principals }, () =>
          principals.length > 0
            ? `astrocyte: HTTP API at ${running.url}, for ${principals.join(', ')}`
            : `astrocyte: HTTP API at ${running.url}, without tokens (loopback only)`,
        );
        if (config.access && principals.length === 0) {
          session.note('astrocyte: access is configured but access.tokens is empty: every request will be denied');
        }
        // Serves until Ctrl-C or SIGTERM; then the server closes, and the brain with the session.
        await terminationSignal();
        await running.close();
      }),
    );
}
