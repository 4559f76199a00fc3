import { bodyBytesFor } from '@astrocyte/core';
import { type Command, Option } from 'commander';
import type { CliIo } from '../cli-session.js';
import { withSession } from '../command-action.js';
import { parseList, parsePort } from '../option-parsers.js';
import { terminationSignal } from '../termination-signal.js';

/** Registers mcp: the memory tools for MCP clients, over stdio or streamable HTTP. */
export function registerMcpCommand(program: Command, io: CliIo): void {
  program
    .command('mcp')
    .description('serve the memory tools of one bank to MCP clients (stdio by default)')
    .option('--http', 'serve streamable HTTP instead of stdio')
    .option('--host <host>', 'HTTP address to bind (default 127.0.0.1)')
    .option('--port <port>', 'HTTP port (default 8765; 0 picks a free one)', parsePort)
    .addOption(
      new Option(
        '--token <token>',
        "bearer token HTTP clients must send, run as --principal; required unless --host is loopback or the config's access.tokens are set",
      ).env('ASTROCYTE_MCP_TOKEN'),
    )
    .option('--allowed-host <hosts>', 'extra Host names clients reach the server by, comma-separated', parseList)
    .option('--allow-forget', 'offer memory_forget (off unless mcp.include_forget is set)')
    .option('--no-reflect', 'do not offer memory_reflect')
    .action(
      withSession(
        io,
        async (
          session,
          options: {
            http?: boolean;
            host?: string;
            port?: number;
            token?: string;
            allowedHost?: string[];
            allowForget?: boolean;
            reflect?: boolean;
          },
        ) => {
          const { config } = await session.config();
          // No actor: history records the principal, else the MCP client.
          const context = session.context();
          const serverOptions = {
            bankId: await session.bank(),
            includeForget: options.allowForget ?? config.mcp.include_forget,
            includeReflect: options.reflect === false ? false : config.mcp.include_reflect,
            context,
            // The model is told only a failure's code; the cause is the operator's, on stderr.
            onToolError: (error: unknown, tool: string) =>
              session.note(`astrocyte: MCP ${tool} failed: ${error instanceof Error ? error.message : String(error)}`),
          };
          // Who the calls run as is worth saying only where someone checks it.
          const named = config.access !== undefined || context.principal !== undefined;
          const own = context.principal ?? 'no principal';
          const brain = await session.brain();
          // Loaded here so that every other command starts without the MCP SDK.
          const { serveHttp, serveStdio } = await import('@astrocyte/mcp');
          if (!options.http) {
            // stdout carries the protocol from here on; everything for people goes to stderr.
            const running = await serveStdio(brain, {
              ...serverOptions,
              stdin: io.stdin,
              stdout: io.stdout,
              onError: (error) => session.note(`astrocyte: MCP message dropped unanswered: ${error.message}`),
            });
            session.note(`astrocyte: MCP server on stdio, bank ${serverOptions.bankId}${named ? `, as ${own}` : ''}`);
            await Promise.race([running.closed, terminationSignal()]);
            await running.close();
            return;
          }
          const tokens = config.access?.tokens ?? [];
          const running = await serveHttp(brain, {
            ...serverOptions,
            ...(options.host ? { host: options.host } : {}),
            ...(options.port !== undefined ? { port: options.port } : {}),
            // An empty ASTROCYTE_MCP_TOKEN is how a shell unsets it, not a token.
            ...(options.token ? { token: options.token } : {}),
            tokens,
            ...(options.allowedHost ? { allowedHosts: options.allowedHost } : {}),
            // A body that holds the longest text the config lets a retain store.
            maxBodyBytes: bodyBytesFor(config.limits.max_content_length),
          });
          // The principals callers run as (never the tokens): each config token's, and the process's for --token or
          // for every caller when no token is set.
          const principals = [
            ...new Set([
              ...(options.token || tokens.length === 0 ? [context.principal ?? null] : []),
              ...tokens.map((entry) => entry.principal),
            ]),
          ];
          const serving = principals.map((principal) => principal ?? 'no principal').join(', ');
          session.print(
            { url: running.url, bank_id: serverOptions.bankId, principals },
            () =>
              `astrocyte: MCP server at ${running.url}, bank ${serverOptions.bankId}${named ? `, serving ${serving}` : ''}`,
          );
          await terminationSignal();
          await running.close();
        },
      ),
    );
}
