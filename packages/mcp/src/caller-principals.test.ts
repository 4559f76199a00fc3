import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import type { Astrocyte } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HttpServeOptions, type RunningHttpServer, serveHttp } from './serve-http.js';

type TextResult = { content: { type: string; text: string }[]; isError?: boolean };

const ALICE_TOKEN = 'alice-token-0123456789abcdef';
const BOB_TOKEN = 'bob-token-0123456789abcdef';

const text = (result: unknown) => ((result as TextResult).content[0] as { text: string }).text;

describe('memory MCP server: each caller acts as the principal of its token', () => {
  let dir: string;
  let brain: Astrocyte;
  // Each user owns the bank named after them: user:<alice> may use bank <alice> only.
  let alice: string;
  let bob: string;
  const servers: RunningHttpServer[] = [];
  const clients: Client[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'astrocyte-mcp-access-'));
    alice = randomBankId('alice');
    bob = randomBankId('bob');
    brain = await createSqliteBrain({
      path: join(dir, 'memory.db'),
      access: { grants: [{ principal: 'user:{bank}', banks: '{bank}', permissions: ['read', 'write', 'forget'] }] },
    });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    for (const server of servers.splice(0)) await server.close();
    await brain.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(options: Omit<HttpServeOptions, 'port'>): Promise<string> {
    const running = await serveHttp(brain, { port: 0, ...options });
    servers.push(running);
    return running.url;
  }

  async function connect(url: string, token: string): Promise<Client> {
    const client = new Client({ name: 'access-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    clients.push(client);
    return client;
  }

  const tokens = () => [
    { token: ALICE_TOKEN, principal: `user:${alice}` },
    // A bare name is a user.
    { token: BOB_TOKEN, principal: bob },
  ];

  const stored = async (bankId: string) =>
    (await brain.list(bankId, { context: { principal: `user:${bankId}` } })).items.map((m) => m.text);

  it("retains and recalls in alice's bank with alice's token, recording her as the actor", async () => {
    const client = await connect(await serve({ bankId: alice, tokens: tokens() }), ALICE_TOKEN);
    const retained = await client.callTool({
      name: 'memory_retain',
      arguments: { content: 'Alice keeps her passport in the blue folder' },
    });
    expect(retained.isError).toBeFalsy();
    const { memory_id } = JSON.parse(text(retained));
    const recalled = JSON.parse(
      text(await client.callTool({ name: 'memory_recall', arguments: { query: 'where is the passport' } })),
    );
    expect(recalled.hits[0]).toMatchObject({ memory_id, text: 'Alice keeps her passport in the blue folder' });
    const [version] = await brain.history(alice, memory_id, { context: { principal: `user:${alice}` } });
    expect(version?.actor).toBe(`user:${alice}`);
  });

  it("refuses alice's calls on a server bound to bob's bank as error results, and stores nothing", async () => {
    const url = await serve({ bankId: bob, tokens: tokens(), includeForget: true });
    const asAlice = await connect(url, ALICE_TOKEN);
    const retain = (await asAlice.callTool({
      name: 'memory_retain',
      arguments: { content: 'Alice was here' },
    })) as TextResult;
    expect(retain.isError).toBe(true);
    expect(text(retain)).toBe(`access denied: user:${alice} may not write bank ${bob}`);

    // Bob's own token on the same server is served: the grant is per caller, not per server.
    const asBob = await connect(url, BOB_TOKEN);
    const bobs = await asBob.callTool({ name: 'memory_retain', arguments: { content: 'Bob likes green tea' } });
    expect(bobs.isError).toBeFalsy();
    const { memory_id } = JSON.parse(text(bobs));

    const recall = (await asAlice.callTool({ name: 'memory_recall', arguments: { query: 'tea' } })) as TextResult;
    expect(recall.isError).toBe(true);
    expect(text(recall)).toContain('access denied');
    expect(text(recall)).not.toContain('green tea');
    const forget = (await asAlice.callTool({
      name: 'memory_forget',
      arguments: { memory_ids: [memory_id] },
    })) as TextResult;
    expect(forget.isError).toBe(true);
    expect(text(forget)).toBe(`access denied: user:${alice} may not forget bank ${bob}`);
    expect(await stored(bob)).toEqual(['Bob likes green tea']);
  });

  it("runs a token without a principal as the server's own, and denies calls that have none", async () => {
    const own = await connect(
      await serve({ bankId: alice, token: ALICE_TOKEN, tokens: [], context: { principal: alice } }),
      ALICE_TOKEN,
    );
    const retained = await own.callTool({ name: 'memory_retain', arguments: { content: 'Standup moved to 10:00' } });
    expect(retained.isError).toBeFalsy();

    const nobody = await connect(await serve({ bankId: alice, token: BOB_TOKEN }), BOB_TOKEN);
    const denied = (await nobody.callTool({
      name: 'memory_retain',
      arguments: { content: 'Nobody wrote this' },
    })) as TextResult;
    expect(denied.isError).toBe(true);
    expect(text(denied)).toBe(`access denied: an operation with no principal may not write bank ${alice}`);
    expect(await stored(alice)).toEqual(['Standup moved to 10:00']);
  });

  it('rejects a malformed principal or token entry naming the package and the field, never the token', async () => {
    await expect(serve({ bankId: alice, tokens: [{ token: ALICE_TOKEN, principal: 'robot:r2' }] })).rejects.toThrow(
      /@astrocyte\/mcp tokens\.0\.principal: "robot:r2" must be kind:name with kind user, agent or service/,
    );
    await expect(serve({ bankId: alice, tokens: [{ token: ALICE_TOKEN, bank: alice }] as never })).rejects.toThrow(
      /@astrocyte\/mcp tokens\.0\.bank: is not an option/,
    );
    await expect(serve({ bankId: alice, context: { principal: 'has space' } })).rejects.toThrow(
      /@astrocyte\/mcp context\.principal/,
    );
    const error = await serve({
      bankId: alice,
      tokens: [
        { token: ALICE_TOKEN, principal: alice },
        { token: ALICE_TOKEN, principal: bob },
      ],
    }).catch((failure: unknown) => failure as Error);
    expect(String(error)).toMatch(/the same token is given twice/);
    expect(String(error)).not.toContain(ALICE_TOKEN);
  });
});
