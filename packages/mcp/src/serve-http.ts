import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  type AccessCheck,
  accessCheck,
  answerMalformedRequests,
  type BearerToken,
  type Brain,
  checkAllowedHosts,
  checkTokens,
  DEFAULT_MAX_BODY_BYTES,
  describeValue,
  listenOn,
  ValidationError,
} from '@astrocyte/core';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMemoryMcpServer } from './memory-mcp-server.js';
import { readRequestBody } from './read-request-body.js';
import { type MemoryMcpServerOptions, parseBearerTokens, parseServerOptions } from './server-options.js';

/** Where and how the streamable HTTP endpoint listens. */
export interface HttpServeOptions extends MemoryMcpServerOptions {
  /** Defaults to 127.0.0.1: memory is personal data, so the endpoint is local unless asked otherwise. */
  host?: string;
  /**
   * Bearer token every request must send (`Authorization: Bearer <token>`), at least 16 characters; its calls carry
   * `context.principal`. A token (this or one of `tokens`) is required when `host` is not a loopback address; on
   * loopback, enforced when any is set.
   */
  token?: string;
  /**
   * Bearer tokens accepted besides `token`, each naming the principal its calls run as, so that the brain's grants
   * apply per caller. A token without a principal carries `context.principal`.
   */
  tokens?: BearerToken[];
  /** Defaults to 8765; 0 picks a free port (read it from `url`). */
  port?: number;
  /** Defaults to /mcp. */
  path?: string;
  /**
   * Host names accepted besides the bound address's own (`name` on any port, or `name:port`): the names clients
   * use to reach the server, such as a DNS name or the name a reverse proxy forwards.
   */
  allowedHosts?: string[];
  /**
   * The largest request body accepted, in bytes (413 above it); defaults to DEFAULT_MAX_BODY_BYTES, room for a text of
   * the default content limit. A brain with a higher `limits.maxContentLength` needs `bodyBytesFor(thatLimit)`.
   */
  maxBodyBytes?: number;
}

/** A listening HTTP endpoint. */
export interface RunningHttpServer {
  /** The endpoint URL, e.g. http://127.0.0.1:8765/mcp. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the memory tools over MCP streamable HTTP in stateless mode: each POST gets a fresh server and
 * transport, so no session state lives in the process and any number of clients can call at once. Each request's
 * tool calls run as the principal its bearer token maps to; the bank stays the one the options bind.
 * The brain stays open: closing it is the caller's job.
 */
export async function serveHttp(brain: Brain, options: HttpServeOptions): Promise<RunningHttpServer> {
  const {
    host = '127.0.0.1',
    port = 8765,
    path = '/mcp',
    token,
    tokens: mapped,
    allowedHosts = [],
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    ...serverOptions
  } = options;
  const { context } = parseServerOptions(serverOptions);
  const tokens: BearerToken[] = parseBearerTokens(token, mapped);
  checkTokens(
    host,
    tokens,
    '@astrocyte/mcp token',
    'Set one with --token or ASTROCYTE_MCP_TOKEN (or the token option of serveHttp)',
  );
  checkAllowedHosts(allowedHosts, '@astrocyte/mcp allowedHosts');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ValidationError('@astrocyte/mcp port', `must be an integer from 0 to 65535, got ${port}`);
  }
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new ValidationError(
      '@astrocyte/mcp maxBodyBytes',
      `must be a positive integer, got ${describeValue(maxBodyBytes)}`,
    );
  }
  if (!path.startsWith('/'))
    throw new ValidationError('@astrocyte/mcp path', `must start with "/", got ${describeValue(path)}`);
  // Set once listening, when the port is known; no request arrives before that.
  let check: AccessCheck = () => ({ refused: { status: 403, message: 'not listening yet' } });

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, -32603, error instanceof Error ? error.message : 'internal error');
    });
  });
  // JSON-RPC's "Invalid Request", as the endpoint's other refusals before a message is read are JSON-RPC errors.
  answerMalformedRequests(http, (_status, message) => ({ jsonrpc: '2.0', error: { code: -32600, message }, id: null }));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const checked = check(req.headers);
    if ('refused' in checked) {
      const { status, message, headers } = checked.refused;
      return reply(res, status, -32000, message, headers);
    }
    const target = pathOf(req.url ?? '/');
    if (target === null) return reply(res, 400, -32600, 'the request target cannot form a URL');
    if (target !== path) return reply(res, 404, -32601, `not found; the MCP endpoint is ${path}`);
    // Stateless mode has no standalone SSE stream and no session to delete.
    if (req.method !== 'POST')
      return reply(res, 405, -32000, 'method not allowed; this endpoint is stateless, use POST', { allow: 'POST' });
    // Read here rather than by the SDK, which decodes any bytes as UTF-8 and loses keys without a word.
    const body = await readRequestBody(req, maxBodyBytes);
    if ('refused' in body) return reply(res, body.refused.status, body.refused.code, body.refused.message);
    const principal = checked.admitted.principal ?? context?.principal;
    const server = createMemoryMcpServer(brain, {
      ...serverOptions,
      context: { ...context, ...(principal ? { principal } : {}) },
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body.value);
  }

  const listening = await listenOn(http, port, host);
  check = accessCheck({ host, port: listening.port, tokens, allowedHosts, realm: 'astrocyte-mcp' });
  return { url: `${listening.origin}${path}`, close: listening.close };
}

// The path of a request target; null for one a URL cannot hold (`http://[/mcp`), a malformed request like any that
// Node's parser refuses.
function pathOf(target: string): string | null {
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch {
    return null;
  }
}

function reply(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
