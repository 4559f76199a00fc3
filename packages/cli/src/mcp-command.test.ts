import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Astrocyte } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { astrocyte, BIN_ARGS, tempProject } from './cli-process.fixture.js';

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text as string;

describe('astrocyte mcp', { timeout: 120_000 }, () => {
  it('serves the memory tools over stdio to the official client, bound to --bank', async () => {
    const { dir, config } = tempProject();
    const client = new Client({ name: 'cli-stdio-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [...BIN_ARGS, 'mcp', '--bank', 'desk'],
        cwd: dir,
        stderr: 'pipe',
      }),
    );
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
        'memory_retain',
        'memory_recall',
        'memory_reflect',
      ]);
      const stored = JSON.parse(
        text(
          await client.callTool({
            name: 'memory_retain',
            arguments: { content: 'The printer on floor 3 jams on A3 paper' },
          }),
        ),
      );
      expect(stored).toEqual({ stored: true, memory_id: expect.any(String) });
      const recalled = JSON.parse(
        text(await client.callTool({ name: 'memory_recall', arguments: { query: 'printer floor 3' } })),
      );
      expect(recalled.hits[0]).toMatchObject({
        memory_id: stored.memory_id,
        text: 'The printer on floor 3 jams on A3 paper',
      });
    } finally {
      await client.close();
    }
    const brain = await Astrocyte.fromConfig(config);
    expect((await brain.list('desk')).items.map((m) => m.text)).toEqual(['The printer on floor 3 jams on A3 paper']);
    await brain.close();
  });

  it('answers and stores a tool call piped just before stdin ends, before it closes the store', async () => {
    const { dir, config } = tempProject();
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'piped', version: '1' } },
    });
    const content = 'piped fact number one about the garden';
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'memory_retain', arguments: { content } },
    });
    const run = await astrocyte(['mcp', '--bank', 'desk'], { cwd: dir, input: `${initialize}\n${call}\n` });
    expect(run.stderr).not.toContain('failed');
    expect(run.code).toBe(0);
    const answers = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: number; result: unknown });
    expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
    expect(JSON.parse(text(answers[1]?.result))).toEqual({ stored: true, memory_id: expect.any(String) });
    const brain = await Astrocyte.fromConfig(config);
    expect((await brain.list('desk')).items.map((m) => m.text)).toEqual([content]);
    await brain.close();
  });

  it('says on stderr when it drops a stdio message it cannot read, and goes on serving', async () => {
    const { dir } = tempProject();
    const client = new Client({ name: 'cli-stdio-bad-message', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...BIN_ARGS, 'mcp', '--bank', 'desk'],
      cwd: dir,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await client.connect(transport);
    try {
      // Valid JSON, but not JSON-RPC the SDK accepts (params must be an object): it is dropped without an answer.
      await transport.send({ jsonrpc: '2.0', id: 99, method: 'tools/list', params: null } as never);
      expect((await client.listTools()).tools.length).toBe(3);
      await expect.poll(() => stderr).toContain('astrocyte: MCP message dropped unanswered: ');
      // A response to nothing the server asked is dropped too, and what it holds stays out of the operator's log.
      await transport.send({ jsonrpc: '2.0', id: 77, result: { note: 'hana.secret@example.com' } } as never);
      await expect.poll(() => stderr).toContain('unknown message ID');
      expect(stderr).not.toContain('hana.secret');
    } finally {
      await client.close();
    }
  });

  it('serves streamable HTTP on loopback with forget enabled by the config, and stops on SIGTERM', async () => {
    const { dir } = tempProject('mcp:\n  include_forget: true\n');
    const { child, url } = await startHttp(['--port', '0', '--bank', 'web'], dir);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = new Client({ name: 'cli-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url as string)));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
        'memory_retain',
        'memory_recall',
        'memory_reflect',
        'memory_forget',
      ]);
      const stored = JSON.parse(
        text(
          await client.callTool({
            name: 'memory_retain',
            arguments: { content: 'Quarterly review is on the 14th', tags: ['calendar'] },
          }),
        ),
      );
      const recalled = JSON.parse(
        text(
          await client.callTool({
            name: 'memory_recall',
            arguments: { query: 'when is the quarterly review', max_results: 1 },
          }),
        ),
      );
      expect(recalled.hits).toEqual([expect.objectContaining({ memory_id: stored.memory_id, tags: ['calendar'] })]);
      const forgotten = JSON.parse(
        text(await client.callTool({ name: 'memory_forget', arguments: { memory_ids: stored.memory_id } })),
      );
      expect(forgotten).toEqual({ deleted_count: 1 });
    } finally {
      await client.close();
    }
    expect(await stop(child)).toBe(0);
  });

  it('refuses --host 0.0.0.0 without a token, naming --token and ASTROCYTE_MCP_TOKEN', async () => {
    const { dir } = tempProject();
    const refused = await startHttp(['--host', '0.0.0.0', '--port', '0', '--bank', 'web'], dir);
    // A server that starts anyway must not outlive the test.
    if (refused.url) await stop(refused.child);
    expect(refused.url).toBeUndefined();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/token: is required to bind 0\.0\.0\.0.*--token or ASTROCYTE_MCP_TOKEN/);
  });

  it('on 0.0.0.0 serves only requests with the ASTROCYTE_MCP_TOKEN bearer token, from --allowed-host origins', async () => {
    const { dir } = tempProject();
    const token = 'cli-token-0123456789abcdef';
    const { child, url } = await startHttp(
      ['--host', '0.0.0.0', '--port', '0', '--bank', 'web', '--allowed-host', 'memory.test, other.test'],
      dir,
      token,
    );
    const endpoint = (url as string).replace('0.0.0.0', '127.0.0.1');
    const post = (headers: Record<string, string>) =>
      fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    try {
      const refused = await post({});
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await post({ authorization: `Bearer ${token}`, origin: 'http://memory.test' })).status).toBe(200);
      expect((await post({ authorization: `Bearer ${token}`, origin: 'http://elsewhere.test' })).status).toBe(403);
      const client = new Client({ name: 'cli-token-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(endpoint), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('memory_recall');
      await client.close();
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('runs each HTTP caller as the principal of its token from access.tokens, and prints the principals only', async () => {
    const alice = randomBankId('alice');
    const bob = randomBankId('bob');
    const tokens = { ALICE_TOKEN: 'alice-cli-token-0123456789abcdef', BOB_TOKEN: 'bob-cli-token-0123456789abcdef' };
    const { dir } = tempProject(
      `access:
  grants:
    - { principal: "user:{bank}", banks: "{bank}", permissions: [read, write] }
  tokens:
    - { token: "\${ALICE_TOKEN}", principal: "user:${alice}" }
    - { token: "\${BOB_TOKEN}", principal: "user:${bob}" }
`,
    );
    const started = await startHttp(['--port', '0', '--bank', alice], dir, undefined, tokens);
    const { child, url } = started;
    const connect = async (token: string) => {
      const client = new Client({ name: 'cli-principal-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url as string), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      return client;
    };
    try {
      const asAlice = await connect(tokens.ALICE_TOKEN);
      const stored = await asAlice.callTool({ name: 'memory_retain', arguments: { content: 'Alice reads sci-fi' } });
      expect(stored.isError).toBeFalsy();
      const asBob = await connect(tokens.BOB_TOKEN);
      const denied = await asBob.callTool({ name: 'memory_retain', arguments: { content: 'Bob in alice' } });
      expect(denied.isError).toBe(true);
      expect(text(denied)).toBe(`access denied: user:${bob} may not write bank ${alice}`);
      await asAlice.close();
      await asBob.close();
    } finally {
      expect(await stop(child)).toBe(0);
    }
    expect(started.stdout()).toContain(`serving user:${alice}, user:${bob}`);
    for (const token of Object.values(tokens)) {
      expect(started.stdout()).not.toContain(token);
      expect(started.stderr).not.toContain(token);
    }
    // The same store without access: (the tokens' variables are set only for the server).
    const brain = await Astrocyte.fromConfigObject({
      storage: { backend: 'sqlite', sqlite: { path: join(dir, 'memory.db') } },
    });
    expect((await brain.list(alice)).items.map((m) => m.text)).toEqual(['Alice reads sci-fi']);
    await brain.close();
  });

  it('runs stdio calls as ASTROCYTE_PRINCIPAL: its own bank served, another refused as an error result', async () => {
    const alice = randomBankId('alice');
    const { dir, config } = tempProject(
      'access:\n  grants:\n    - { principal: "user:{bank}", banks: "{bank}", permissions: [read, write] }\n',
    );
    const call = async (bank: string, content: string) => {
      const client = new Client({ name: 'cli-stdio-principal', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [...BIN_ARGS, 'mcp', '--bank', bank],
          cwd: dir,
          env: { ...getDefaultEnvironment(), ASTROCYTE_PRINCIPAL: alice },
          stderr: 'pipe',
        }),
      );
      try {
        return (await client.callTool({ name: 'memory_retain', arguments: { content } })) as {
          isError?: boolean;
          content: { text: string }[];
        };
      } finally {
        await client.close();
      }
    };
    expect((await call(alice, 'Alice owns a red bike')).isError).toBeFalsy();
    const other = randomBankId('bob');
    const denied = await call(other, 'Alice writes elsewhere');
    expect(denied.isError).toBe(true);
    expect(text(denied)).toBe(`access denied: user:${alice} may not write bank ${other}`);
    const brain = await Astrocyte.fromConfig(config);
    const [memory] = (await brain.list(alice, { context: { principal: alice } })).items;
    expect(memory?.text).toBe('Alice owns a red bike');
    const [version] = await brain.history(alice, memory?.id as string, { context: { principal: alice } });
    expect(version?.actor).toBe(`user:${alice}`);
    expect((await brain.list(other, { context: { principal: other } })).items).toEqual([]);
    await brain.close();
  });
});

/** A started `astrocyte mcp --http`: its URL once listening, or how it exited when it refused to start. */
interface StartedHttp {
  child: ChildProcess;
  url?: string;
  code?: number | null;
  stderr: string;
  /** Everything printed on stdout so far. */
  stdout: () => string;
}

// Settles on the printed URL or on exit, whichever comes first, so that a server that should have refused to
// start fails the test at once instead of serving until the timeout.
function startHttp(
  args: string[],
  cwd: string,
  token?: string,
  extraEnv: Record<string, string> = {},
): Promise<StartedHttp> {
  // The developer's own settings must not leak into a test.
  const {
    ASTROCYTE_CONFIG: _config,
    ASTROCYTE_BANK: _bank,
    ASTROCYTE_MCP_TOKEN: _token,
    ASTROCYTE_PRINCIPAL: _principal,
    ASTROCYTE_ON_BEHALF_OF: _onBehalfOf,
    ...env
  } = process.env;
  const child = spawn(process.execPath, [...BIN_ARGS, 'mcp', '--http', ...args], {
    cwd,
    env: { ...env, ...extraEnv, ...(token ? { ASTROCYTE_MCP_TOKEN: token } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /http:\/\/[^\s,]+\/mcp/.exec(stdout);
      if (match) resolve({ child, url: match[0], stderr, stdout: () => stdout });
    });
    child.once('close', (code) => resolve({ child, code, stderr, stdout: () => stdout }));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}
