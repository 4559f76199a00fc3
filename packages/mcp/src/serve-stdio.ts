import type { Readable, Writable } from 'node:stream';
import { type Brain, bodyBytesFor, DEFAULT_MAX_BODY_BYTES } from '@astrocyte/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { AnswerWaitingTransport } from './answer-waiting-transport.js';
import { createMemoryMcpServer } from './memory-mcp-server.js';
import type { MemoryMcpServerOptions } from './server-options.js';
import { stdioMessageScreen } from './stdio-message-screen.js';

/**
 * A running MCP server: `closed` settles when the client has closed its stdin and every request read before has been
 * answered, or when `close()` is called.
 */
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
     * Hears of each message dropped without an answer (not JSON-RPC the server can read, and no request id to
     * answer), and of errors reading stdin: the client that sent it may wait, so the operator should know.
     */
    onError?: (error: Error) => void;
  },
): Promise<RunningStdioServer> {
  const { stdin, stdout, onError, ...serverOptions } = options;
  const server = createMemoryMcpServer(brain, serverOptions);
  // The SDK's messages quote the message they are about (a response for an unknown id whole, a validation's every
  // issue): what a client sent may hold memories and personal data, and an operator's log is no place for them.
  if (onError) server.onerror = (error) => onError(new Error(error.message.replace(/:\s*[[{][\s\S]*$/, '')));
  const report = (error: Error) => server.onerror?.(error);
  const input = stdin ?? process.stdin;
  const output = stdout ?? process.stdout;
  const maxBytes = messageBytesFor(brain);
  const screen = stdioMessageScreen(maxBytes, (message) => output.write(serializeMessage(message)), report);
  input.pipe(screen);
  // The screen hands the transport one line at a time, none over maxBytes, so its buffer never overflows.
  const transport = new AnswerWaitingTransport(
    new StdioServerTransport(screen, output, { maxBufferSize: maxBytes + 1 }),
  );
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  // The SDK's stdio transport does not notice end of input; a client that exits must end the server too, once the
  // requests it sent are answered: a client that closes its side after its last request still reads the answers, and
  // the caller closes the brain after `closed` only when no call is running.
  const onScreenEnd = () => void transport.answered().then(() => server.close());
  // The screen ends after handing on every line, the last one too; input closed without ending (destroyed) ends it.
  const endScreen = () => screen.end();
  screen.once('end', onScreenEnd);
  input.once('close', endScreen);
  input.on('error', report);
  await server.connect(transport);
  return {
    closed,
    close: async () => {
      screen.off('end', onScreenEnd);
      input.off('close', endScreen);
      input.off('error', report);
      // Unpiped, the input is paused, so a process whose stdin stays open can exit.
      input.unpipe(screen);
      await server.close();
    },
  };
}

// The longest message: room for a retain of the brain's longest content in any script, as over HTTP. A Brain that
// does not say its limits gets the default one's.
function messageBytesFor(brain: Brain): number {
  return brain.limits ? bodyBytesFor(brain.limits.maxContentLength) : DEFAULT_MAX_BODY_BYTES;
}
