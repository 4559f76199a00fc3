import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Astrocyte } from '@astrocyte/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { BIN_ARGS, tempProject } from './cli-process.fixture.js';

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
});

/** A started `astrocyte mcp --http`: its URL once listening, or how it exited when it refused to start. */
interface StartedHttp {
  child: ChildProcess;
  url?: string;
  code?: number | null;
  stderr: string;
}

// Settles on the printed URL or on exit, whichever comes first, so that a server that should have refused to
// start fails the test at once instead of serving until the timeout.
function startHttp(args: string[], cwd: string, token?: string): Promise<StartedHttp> {
  // The developer's own settings must not leak into a test.
  const { ASTROCYTE_CONFIG: _config, ASTROCYTE_BANK: _bank, ASTROCYTE_MCP_TOKEN: _token, ...env } = process.env;
  const child = spawn(process.execPath, [...BIN_ARGS, 'mcp', '--http', ...args], {
    cwd,
    env: token ? { ...env, ASTROCYTE_MCP_TOKEN: token } : env,
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
      if (match) resolve({ child, url: match[0], stderr });
    });
    child.once('close', (code) => resolve({ child, code, stderr }));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}
