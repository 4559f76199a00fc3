import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Astrocyte } from '@astrocyte/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { BIN, tempProject } from './cli-process.fixture.js';

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text as string;

describe('astrocyte mcp', { timeout: 120_000 }, () => {
  it('serves the memory tools over stdio to the official client, bound to --bank', async () => {
    const { dir, config } = tempProject();
    const client = new Client({ name: 'cli-stdio-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', '--bank', 'desk'],
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
    const child = spawn(process.execPath, [BIN, 'mcp', '--http', '--port', '0', '--bank', 'web'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /http:\/\/127\.0\.0\.1:\d+\/mcp/.exec(stdout);
        if (match) resolve(match[0]);
      });
      child.once('exit', (code) => reject(new Error(`astrocyte mcp exited with ${code} before listening`)));
    });
    const client = new Client({ name: 'cli-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
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
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
