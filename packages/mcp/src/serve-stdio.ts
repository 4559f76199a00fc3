import type { Readable, Writable } from 'node:stream';
import type { Brain } from '@astrocyte/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMemoryMcpServer } from './memory-mcp-server.js';
import type { MemoryMcpServerOptions } from './server-options.js';

/** A running MCP server: `closed` settles when the client goes away or `close()` is called. */
export interface RunningStdioServer {
  closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves the memory tools over stdin/stdout, the transport desktop MCP clients launch. Nothing else may write to
 * stdout while it runs; logs belong on stderr. The brain stays open: closing it is the caller's job.
 */
export async function serveStdio(
  brain: Brain,
  options: MemoryMcpServerOptions & {
    stdin?: Readable;
    stdout?: Writable;
    /**
     * Hears of each message the SDK's transport could not read (not JSON, not JSON-RPC) and dropped without an
     * answer: the client that sent it waits, so the operator should know.
     */
    onError?: (error: Error) => void;
  },
): Promise<RunningStdioServer> {
  const { stdin, stdout, onError, ...serverOptions } = options;
  const server = createMemoryMcpServer(brain, serverOptions);
  if (onError) server.onerror = onError;
  const input = stdin ?? process.stdin;
  const transport = new StdioServerTransport(input, stdout ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  // The SDK's stdio transport does not notice end of input; a client that exits must end the server too.
  const onEnd = () => void server.close();
  input.once('end', onEnd);
  input.once('close', onEnd);
  await server.connect(transport);
  return {
    closed,
    close: async () => {
      input.off('end', onEnd);
      input.off('close', onEnd);
      await server.close();
    },
  };
}
