import { fileURLToPath } from 'node:url';
import { createSqliteBrain, type SqliteMemoryStore } from '@astrocyte/brain-sqlite';
import { Astrocyte, type Brain, ERROR_CODES, memoryToolDefinitions } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryMcpServer } from './memory-mcp-server.js';
import { type RunningHttpServer, serveHttp } from './serve-http.js';

type TextResult = { content: { type: string; text: string }[]; isError?: boolean };

const text = (result: unknown) => ((result as TextResult).content[0] as { text: string }).text;

async function httpClient(url: string): Promise<Client> {
  const client = new Client({ name: 'astrocyte-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

describe('memory MCP server over streamable HTTP', () => {
  let brain: Brain;
  let bankId: string;
  let running: RunningHttpServer;
  let client: Client;

  beforeEach(async () => {
    brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    bankId = randomBankId('mcp');
    running = await serveHttp(brain, { bankId, port: 0 });
    client = await httpClient(running.url);
  });

  afterEach(async () => {
    await client.close();
    await running.close();
    await brain.close();
  });

  it('listens on loopback and lists the core tool schemas unchanged, without forget by default', async () => {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['memory_retain', 'memory_recall', 'memory_reflect']);
    for (const definition of memoryToolDefinitions()) {
      const tool = tools.find((t) => t.name === definition.name);
      expect(tool?.inputSchema).toEqual(definition.input_schema);
      expect(tool?.description).toBe(definition.description);
    }
  });

  it('retains then recalls with the same JSON results as the dispatcher, in the bound bank only', async () => {
    const retained = await client.callTool({
      name: 'memory_retain',
      arguments: { content: 'The user prefers dark mode in every editor', tags: 'preference, ui' },
    });
    expect(retained.isError).toBeFalsy();
    const stored = JSON.parse(text(retained));
    expect(stored).toEqual({ stored: true, memory_id: expect.any(String) });

    const recalled = JSON.parse(
      text(await client.callTool({ name: 'memory_recall', arguments: { query: 'which theme does the user like?' } })),
    );
    expect(recalled.total).toBeGreaterThanOrEqual(1);
    expect(recalled.hits[0]).toMatchObject({
      memory_id: stored.memory_id,
      text: 'The user prefers dark mode in every editor',
      tags: ['preference', 'ui'],
    });

    const inBank = await brain.list(bankId);
    expect(inBank.items.map((m) => m.id)).toEqual([stored.memory_id]);
    // Stateless HTTP never sees the client's initialize on the request that calls the tool.
    const [version] = await brain.history(bankId, stored.memory_id);
    expect(version?.actor).toBe('mcp');
  });

  it('reports duplicates and bad input as tool results the model can act on', async () => {
    await client.callTool({ name: 'memory_retain', arguments: { content: 'Standup is at 9:30' } });
    const again = JSON.parse(
      text(await client.callTool({ name: 'memory_retain', arguments: { content: 'standup is at 9:30' } })),
    );
    expect(again).toMatchObject({ stored: false, deduplicated: true });

    const missing = (await client.callTool({ name: 'memory_retain', arguments: { tags: 'x' } })) as TextResult;
    expect(missing.isError).toBe(true);
    expect(text(missing)).toBe('content: is required');

    const bankChoice = (await client.callTool({
      name: 'memory_recall',
      arguments: { query: 'x', bank_id: 'other' },
    })) as TextResult;
    expect(bankChoice.isError).toBe(true);
    expect(text(bankChoice)).toContain('bank_id: is not a field of this tool');

    const forget = (await client.callTool({ name: 'memory_forget', arguments: { memory_ids: 'a' } })) as TextResult;
    expect(forget.isError).toBe(true);
    expect(text(forget)).toContain('without forget enabled');
  });

  it('answers reflect with the extractive answer text', async () => {
    await client.callTool({ name: 'memory_retain', arguments: { content: 'The deploy window is Tuesday afternoon' } });
    const answer = await client.callTool({
      name: 'memory_reflect',
      arguments: { query: 'when is the deploy window?' },
    });
    expect(answer.isError).toBeFalsy();
    expect(text(answer)).toContain('Tuesday afternoon');
  });

  it('answers malformed tools/call params with -32602 naming the field, not -32603 with a zod dump', async () => {
    const call = (params: Record<string, unknown>) =>
      client.request({ method: 'tools/call', params } as never, CallToolResultSchema);
    for (const [params, message] of [
      [{ name: 'memory_retain', arguments: 'The sky is blue' }, 'arguments: must be an object, got string'],
      [{ name: 'memory_retain', arguments: ['The sky is blue'] }, 'arguments: must be an object, got an array'],
      [{ name: 'memory_retain', arguments: null }, 'arguments: must be an object, got null'],
      [{ arguments: { content: 'x' } }, 'name: is required'],
      [{ name: 7, arguments: {} }, 'name: must be a string, got number'],
    ] as const) {
      const error = await call(params).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((error as McpError).message).toBe(`MCP error -32602: MCP error -32602: ${message}`);
    }
    expect(await brain.list(bankId)).toMatchObject({ items: [] });
  });

  it('answers non-POST methods with 405 naming POST in Allow, and other paths with 404', async () => {
    for (const method of ['GET', 'DELETE']) {
      const refused = await fetch(running.url, { method });
      expect([refused.status, refused.headers.get('allow')]).toEqual([405, 'POST']);
    }
    expect((await fetch(new URL('/other', running.url))).status).toBe(404);
  });
});

describe('memory MCP server options', () => {
  it('offers forget when enabled and reflect can be turned off', async () => {
    const brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    const bankId = randomBankId('mcp');
    const running = await serveHttp(brain, { bankId, port: 0, includeForget: true, includeReflect: false });
    const client = await httpClient(running.url);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
        'memory_retain',
        'memory_recall',
        'memory_forget',
      ]);
      const { memory_id } = JSON.parse(
        text(await client.callTool({ name: 'memory_retain', arguments: { content: 'Temporary note' } })),
      );
      const forgotten = JSON.parse(
        text(await client.callTool({ name: 'memory_forget', arguments: { memory_ids: [memory_id] } })),
      );
      expect(forgotten).toEqual({ deleted_count: 1 });
      expect((await brain.list(bankId)).items).toEqual([]);
    } finally {
      await client.close();
      await running.close();
      await brain.close();
    }
  });

  it('records the connected client as the actor in version history', async () => {
    const brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    const bankId = randomBankId('mcp');
    const server = createMemoryMcpServer(brain, { bankId });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'cursor', version: '1.0.0' });
    await client.connect(clientSide);
    const { memory_id } = JSON.parse(
      text(await client.callTool({ name: 'memory_retain', arguments: { content: 'Lunch is at noon' } })),
    );
    expect((await brain.history(bankId, memory_id))[0]?.actor).toBe('mcp:cursor');
    await client.close();
    await brain.close();
  });

  it('records a client whose name no actor may hold by a clean, short form of it, and serves it', async () => {
    const brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    const bankId = randomBankId('mcp');
    for (const [name, actor] of [
      ['a\u0000b\ud800c\nd', 'mcp:a b c d'],
      [`${'é'.repeat(99)}😀😀`, `mcp:${'é'.repeat(99)}😀`],
      ['\u0000', 'mcp'],
    ]) {
      const server = createMemoryMcpServer(brain, { bankId });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: name as string, version: '1.0.0' });
      await client.connect(clientSide);
      const result = await client.callTool({ name: 'memory_retain', arguments: { content: `Lunch with ${actor}` } });
      expect(result.isError).toBeFalsy();
      expect((await brain.history(bankId, JSON.parse(text(result)).memory_id))[0]?.actor).toBe(actor);
      await client.close();
    }
    await brain.close();
  });

  it("tells the model a store's failure by its code only, and the operator its cause", async () => {
    const brain = await createSqliteBrain({ path: ':memory:' });
    const bankId = randomBankId('mcp');
    const heard: [string, unknown][] = [];
    const server = createMemoryMcpServer(brain, { bankId, onToolError: (error, tool) => heard.push([tool, error]) });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(clientSide);
    // A failure whose message holds what no caller may read, as a store's can: a path, a user, another memory.
    (brain.store as SqliteMemoryStore).database.exec(
      `CREATE TRIGGER fail BEFORE INSERT ON memories BEGIN SELECT RAISE(ABORT, 'secret /srv/db user=admin'); END;`,
    );
    const failed = await client.callTool({ name: 'memory_retain', arguments: { content: 'Lunch is at noon' } });
    expect(failed.isError).toBe(true);
    expect(text(failed)).toBe(`storage_error: ${ERROR_CODES.storage_error}`);
    expect(heard).toEqual([['memory_retain', expect.objectContaining({ message: expect.stringContaining('secret') })]]);
    // The caller's own mistakes still say what to fix.
    const refused = await client.callTool({ name: 'memory_recall', arguments: { query: 'lunch', maxResults: 3 } });
    expect(text(refused)).toMatch(/maxResults: is not a field of this tool; .*did you mean "max_results"\?/);
    expect(heard).toHaveLength(1);
    await client.close();
    await brain.close();
  });

  it('rejects a bad bank id and unknown options naming the package and field', async () => {
    const brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    expect(() => createMemoryMcpServer(brain, { bankId: 'no spaces allowed' })).toThrow(/@astrocyte\/mcp bankId/);
    expect(() => createMemoryMcpServer(brain, { bankId: 'ok', bank: 'x' } as never)).toThrow(
      /@astrocyte\/mcp bank: is not an option/,
    );
    await expect(serveHttp(brain, { bankId: 'ok', port: 70_000 })).rejects.toThrow(/@astrocyte\/mcp port/);
    await brain.close();
  });
});

describe('memory MCP server over stdio', () => {
  it('serves a real child process to the official stdio client', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        '--conditions=@astrocyte/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./stdio-server.fixture.ts', import.meta.url)),
      ],
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stderr: 'pipe',
    });
    const client = new Client({ name: 'astrocyte-stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['memory_retain', 'memory_recall', 'memory_reflect', 'memory_forget']);
      const stored = JSON.parse(
        text(await client.callTool({ name: 'memory_retain', arguments: { content: 'Project Apollo ships in March' } })),
      );
      expect(stored.stored).toBe(true);
      const recalled = JSON.parse(
        text(
          await client.callTool({
            name: 'memory_recall',
            arguments: { query: 'when does Apollo ship', max_results: 3 },
          }),
        ),
      );
      expect(recalled.hits[0].memory_id).toBe(stored.memory_id);
    } finally {
      await client.close();
    }
  });
});
