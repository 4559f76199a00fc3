import { request } from 'node:http';
import { Astrocyte, type Brain, ValidationError } from '@astrocyte/core';
import { randomBankId, rawHttpExchange } from '@astrocyte/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HttpServeOptions, type RunningHttpServer, serveHttp } from './serve-http.js';

const TOKEN = 'test-token-0123456789abcdef';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1.0.0' } },
});

// Stateless servers answer an initialize POST with 200; a refusal comes before it is read.
function post(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: INITIALIZE,
  });
}

// fetch will not send a forged Host header; node:http will.
function postWithHost(url: string, host: string, headers: Record<string, string> = {}): Promise<number | undefined> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          host,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.on('error', reject);
    req.end(INITIALIZE);
  });
}

// A wildcard binding is reached here through loopback: the checks do not depend on the interface used.
function loopbackUrl(running: RunningHttpServer): string {
  const url = new URL(running.url);
  url.hostname = '127.0.0.1';
  return url.href;
}

describe('MCP over HTTP: bearer token, Host and Origin checks', () => {
  let brain: Brain;
  let bankId: string;
  const servers: RunningHttpServer[] = [];
  const clients: Client[] = [];

  beforeEach(async () => {
    brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    bankId = randomBankId('mcp-access');
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    for (const server of servers.splice(0)) await server.close();
    await brain.close();
  });

  async function serve(options: Omit<HttpServeOptions, 'bankId'>): Promise<RunningHttpServer> {
    const running = await serveHttp(brain, { bankId, port: 0, ...options });
    servers.push(running);
    return running;
  }

  async function sdkClient(url: string, token?: string): Promise<Client> {
    const client = new Client({ name: 'astrocyte-access-test', version: '1.0.0' });
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    clients.push(client);
    return client;
  }

  it('refuses to start on a non-loopback address without a token, naming --token and ASTROCYTE_MCP_TOKEN', async () => {
    const refused = serveHttp(brain, { bankId, host: '0.0.0.0', port: 0 });
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow(/@astrocyte\/mcp token: is required to bind 0\.0\.0\.0/);
    await expect(refused).rejects.toThrow(/--token or ASTROCYTE_MCP_TOKEN/);
    await expect(serveHttp(brain, { bankId, host: '0.0.0.0', port: 0, token: 'short' })).rejects.toThrow(
      /@astrocyte\/mcp token: must be at least 16 printable characters/,
    );
  });

  it('refuses a port another server holds as a ValidationError naming port', async () => {
    const running = await serve({});
    const port = Number(new URL(running.url).port);
    const second = serveHttp(brain, { bankId, port });
    await expect(second).rejects.toThrow(ValidationError);
    await expect(second).rejects.toMatchObject({
      details: { field: 'port' },
      message: expect.stringMatching(/^port: \d+ on 127\.0\.0\.1 is in use by another process/),
    });
  });

  it('answers 401 with WWW-Authenticate: Bearer without a token or with a wrong one, and serves the right one', async () => {
    const running = await serve({ host: '0.0.0.0', token: TOKEN });
    const url = loopbackUrl(running);

    const missing = await post(url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="astrocyte-mcp"');

    const wrong = await post(url, { authorization: 'Bearer test-token-0123456789abcdeX' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    // A prefix of the right token is wrong too: nothing is compared by length or by leading characters.
    expect((await post(url, { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
    expect((await post(url, { authorization: `Basic ${TOKEN}` })).status).toBe(401);

    expect((await post(url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const client = await sdkClient(url, TOKEN);
    const retained = await client.callTool({ name: 'memory_retain', arguments: { content: 'Token-guarded fact' } });
    expect(retained.isError).toBeFalsy();
    expect((await brain.list(bankId)).items.map((m) => m.text)).toEqual(['Token-guarded fact']);
    await expect(sdkClient(url)).rejects.toThrow();
  });

  it('enforces a token set on a loopback binding, where it is optional', async () => {
    const running = await serve({ token: TOKEN });
    expect((await post(running.url)).status).toBe(401);
    const client = await sdkClient(running.url, TOKEN);
    expect((await client.listTools()).tools.length).toBe(3);
  });

  it('refuses a forged Host with 403 on loopback and on 0.0.0.0 bindings', async () => {
    const loopback = await serve({});
    const port = new URL(loopback.url).port;
    expect(await postWithHost(loopback.url, `evil.example:${port}`)).toBe(403);
    // A loopback name on another port is another origin's server, not this one.
    expect(await postWithHost(loopback.url, 'localhost:1')).toBe(403);
    expect(await postWithHost(loopback.url, `localhost:${port}`)).toBe(200);
    expect(await postWithHost(loopback.url, `[::1]:${port}`)).toBe(200);

    const wildcard = await serve({ host: '0.0.0.0', token: TOKEN });
    const url = loopbackUrl(wildcard);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const wildcardPort = new URL(url).port;
    expect(await postWithHost(url, `evil.example:${wildcardPort}`, auth)).toBe(403);
    expect(await postWithHost(url, `evil.example@127.0.0.1:${wildcardPort}`, auth)).toBe(403);
    expect(await postWithHost(url, `127.0.0.1:${wildcardPort}`, auth)).toBe(200);
  });

  it('accepts the names given in allowedHosts, on any port unless the entry names one', async () => {
    const running = await serve({
      host: '0.0.0.0',
      token: TOKEN,
      allowedHosts: ['memory.example.com', 'proxy.example.com:8443'],
    });
    const url = loopbackUrl(running);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect(await postWithHost(url, 'memory.example.com', auth)).toBe(200);
    expect(await postWithHost(url, `memory.example.com:${new URL(url).port}`, auth)).toBe(200);
    expect(await postWithHost(url, 'MEMORY.example.com', auth)).toBe(200);
    expect(await postWithHost(url, 'proxy.example.com:8443', auth)).toBe(200);
    expect(await postWithHost(url, 'proxy.example.com', auth)).toBe(403);
    await expect(serveHttp(brain, { bankId, port: 0, allowedHosts: ['evil@example.com'] })).rejects.toThrow(
      /@astrocyte\/mcp allowedHosts/,
    );
  });

  it('answers 413 to a body over maxBodyBytes, whose default holds a text of the default content limit', async () => {
    const initialize = (name: string) =>
      JSON.stringify({
        ...JSON.parse(INITIALIZE),
        params: { ...JSON.parse(INITIALIZE).params, clientInfo: { name, version: '1' } },
      });
    const send = (url: string, body: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body,
      });
    // 1,000,000 characters of Chinese, the default content limit, are 6 MB of JSON written with \u escapes (as
    // Python's json.dumps writes it): within the default of bodyBytesFor(1,000,000), 6,065,536 bytes; 20,000 more
    // are not.
    const escaped = (json: string) =>
      json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const chinese = '长文本测试句子，'.repeat(125_000);
    const standard = await serve({});
    expect((await send(standard.url, escaped(initialize(chinese)))).status).toBe(200);
    expect((await send(standard.url, escaped(initialize(chinese + '长文本测试句子，'.repeat(2_500))))).status).toBe(
      413,
    );
    await expect(serve({ maxBodyBytes: 0 })).rejects.toThrow(
      '@astrocyte/mcp maxBodyBytes: must be a positive integer, got 0',
    );
    const small = await serve({ maxBodyBytes: 100_000 });
    expect((await send(small.url, initialize('x'.repeat(90_000)))).status).toBe(200);
    expect((await send(small.url, initialize('x'.repeat(100_001)))).status).toBe(413);
  });

  it('answers a request that does not parse as HTTP with a JSON-RPC Invalid Request, and closes the connection', async () => {
    const { url } = await serve({});
    const { host, pathname } = new URL(url);
    const responses = await rawHttpExchange(url, `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nBad Header: 1\r\n\r\n`);
    expect(responses.map((r) => [r.status, r.headers.connection, JSON.parse(r.body)])).toEqual([
      [
        400,
        'close',
        {
          jsonrpc: '2.0',
          error: {
            code: -32600,
            message: expect.stringContaining('not a valid HTTP/1.1 request (Invalid header token)'),
          },
          id: null,
        },
      ],
    ]);
  });

  it('answers a request target that cannot form a URL with 400 and a JSON-RPC Invalid Request', async () => {
    const { url } = await serve({});
    const { host } = new URL(url);
    const headers = `Host: ${host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream`;
    const responses = await rawHttpExchange(
      url,
      `POST http://[/mcp HTTP/1.1\r\n${headers}\r\nContent-Length: ${INITIALIZE.length}\r\nConnection: close\r\n\r\n${INITIALIZE}`,
    );
    expect(responses.map((r) => [r.status, JSON.parse(r.body)])).toEqual([
      [400, { jsonrpc: '2.0', error: { code: -32600, message: 'the request target cannot form a URL' }, id: null }],
    ]);
  });

  it('refuses a foreign Origin with 403 and serves the endpoint its own origin', async () => {
    const running = await serve({});
    const port = new URL(running.url).port;
    expect((await post(running.url, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(running.url, { origin: 'http://localhost:3000' })).status).toBe(403);
    expect((await post(running.url, { origin: 'null' })).status).toBe(403);
    expect((await post(running.url, { origin: `http://localhost:${port}` })).status).toBe(200);
    expect((await post(running.url)).status).toBe(200);
  });
});
