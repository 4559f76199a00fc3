import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { all } from '../__fixtures__/all-pages.js';
import {
  type EmulatedEvent,
  type FileToolResult,
  type ManagedAgentsEmulator,
  type MemoryMountInfo,
  type ScriptedAgent,
  startManagedAgentsEmulator,
} from './index.js';

const open: ManagedAgentsEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((emulator) => emulator.close()));
});

type MemoryStoreResource = Anthropic.Beta.Sessions.BetaManagedAgentsMemoryStoreResourceParam;

/** An emulator running `agent`, an SDK client, an agent with the built-in toolset, and a way to open sessions. */
async function start(agent: ScriptedAgent) {
  const emulator = await startManagedAgentsEmulator({ agent });
  open.push(emulator);
  const client = new Anthropic({ baseURL: emulator.url, apiKey: 'test-key', maxRetries: 0 });
  const created = await client.beta.agents.create({
    name: 'note taker',
    model: 'claude-sonnet-4-6',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  const environment = await client.beta.environments.create({ name: 'env' });
  const session = (resources: MemoryStoreResource[]) =>
    client.beta.sessions.create({ agent: created.id, environment_id: environment.id, resources });
  const run = async (sessionId: string, text: string) => {
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text }] }],
    });
  };
  return { emulator, client, session, run };
}

const ofType = (emulator: ManagedAgentsEmulator, sessionId: string, type: string): EmulatedEvent[] =>
  emulator.events(sessionId).filter((event) => event.type === type);

describe('memory stores mounted in a session, read and written by the scripted agent', () => {
  it('lets the agent read a memory written through the API with its file tools, and no custom tool call', async () => {
    const mounts: MemoryMountInfo[] = [];
    const { emulator, client, session, run } = await start(async (turn) => {
      mounts.push(...turn.memoryMounts);
      const listing = await turn.listMemoryFiles();
      const file = await turn.readMemoryFile(listing.text.split('\n')[0] as string);
      turn.say(`You like ${file.text}.`);
    });
    const store = await client.beta.memoryStores.create({ name: 'User Preferences', description: 'likes' });
    await client.beta.memoryStores.memories.create(store.id, { path: '/drinks/likes.md', content: 'green tea' });
    const created = await session([{ type: 'memory_store', memory_store_id: store.id, instructions: 'read first' }]);
    expect(created.resources).toEqual([
      {
        type: 'memory_store',
        memory_store_id: store.id,
        access: 'read_write',
        instructions: 'read first',
        name: 'User Preferences',
        description: 'likes',
        mount_path: '/mnt/memory/user-preferences',
      },
    ]);
    await run(created.id, 'what do I like?');

    expect(mounts).toEqual([
      {
        memoryStoreId: store.id,
        name: 'User Preferences',
        mountPath: '/mnt/memory/user-preferences',
        access: 'read_write',
        instructions: 'read first',
      },
    ]);
    const uses = ofType(emulator, created.id, 'agent.tool_use');
    expect(uses.map((use) => [use.name, use.input])).toEqual([
      ['glob', { pattern: '**/*', path: '/mnt/memory' }],
      ['read', { file_path: '/mnt/memory/user-preferences/drinks/likes.md' }],
    ]);
    const results = ofType(emulator, created.id, 'agent.tool_result');
    expect(results.map((result) => [result.tool_use_id, result.content, result.is_error])).toEqual([
      [uses[0]?.id, [{ type: 'text', text: '/mnt/memory/user-preferences/drinks/likes.md' }], false],
      [uses[1]?.id, [{ type: 'text', text: 'green tea' }], false],
    ]);
    expect(ofType(emulator, created.id, 'agent.custom_tool_use')).toEqual([]);
    expect(ofType(emulator, created.id, 'agent.message').at(-1)?.content).toEqual([
      { type: 'text', text: 'You like green tea.' },
    ]);
  });

  it("records the agent's writes as versions of its session, listed by session_id", async () => {
    const { client, session, run } = await start(async (turn) => {
      const root = turn.memoryMounts[0]?.mountPath as string;
      if (turn.message === 'note') {
        await turn.writeMemoryFile(`${root}/notes/today.md`, 'call Ada');
        await turn.writeMemoryFile(`${root}/notes/today.md`, 'call Ada at 3');
        await turn.deleteMemoryFile(`${root}/old.md`);
      } else {
        await turn.writeMemoryFile(`${root}/other.md`, 'from another session');
      }
    });
    const store = await client.beta.memoryStores.create({ name: 'notes' });
    await client.beta.memoryStores.memories.create(store.id, { path: '/old.md', content: 'stale' });
    const first = await session([{ type: 'memory_store', memory_store_id: store.id }]);
    const second = await session([{ type: 'memory_store', memory_store_id: store.id }]);
    await run(first.id, 'note');
    await run(second.id, 'other');

    const versions = client.beta.memoryStores.memoryVersions;
    const written = await all(versions.list(store.id, { session_id: first.id, view: 'full' }));
    expect(written.map((v) => [v.operation, v.path, v.content])).toEqual([
      ['deleted', '/old.md', null],
      ['modified', '/notes/today.md', 'call Ada at 3'],
      ['created', '/notes/today.md', 'call Ada'],
    ]);
    expect(written.map((v) => v.created_by)).toEqual(Array(3).fill({ type: 'session_actor', session_id: first.id }));
    expect((await all(versions.list(store.id, { session_id: second.id }))).map((v) => v.path)).toEqual(['/other.md']);
    const memories = await all(client.beta.memoryStores.memories.list(store.id, { view: 'full' }));
    expect(memories.map((m) => (m.type === 'memory' ? [m.path, m.content] : m.path))).toEqual([
      ['/notes/today.md', 'call Ada at 3'],
      ['/other.md', 'from another session'],
    ]);
  });

  it('refuses writes on a read_only mount, as a read-only file system does, and still reads', async () => {
    const outcomes: FileToolResult[] = [];
    const { emulator, client, session, run } = await start(async (turn) => {
      const root = turn.memoryMounts[0]?.mountPath as string;
      outcomes.push(await turn.writeMemoryFile(`${root}/rules.md`, 'overwritten'));
      outcomes.push(await turn.deleteMemoryFile(`${root}/rules.md`));
      outcomes.push(await turn.readMemoryFile(`${root}/rules.md`));
    });
    const store = await client.beta.memoryStores.create({ name: 'rules' });
    await client.beta.memoryStores.memories.create(store.id, { path: '/rules.md', content: 'be kind' });
    const created = await session([{ type: 'memory_store', memory_store_id: store.id, access: 'read_only' }]);
    await run(created.id, 'try');
    expect(outcomes.map(({ isError, text }) => [isError, text])).toEqual([
      [true, 'read-only file system: /mnt/memory/rules'],
      [true, 'read-only file system: /mnt/memory/rules'],
      [false, 'be kind'],
    ]);
    expect(ofType(emulator, created.id, 'agent.tool_result').map((result) => result.is_error)).toEqual([
      true,
      true,
      false,
    ]);
    expect((await all(client.beta.memoryStores.memoryVersions.list(store.id))).length).toBe(1);
  });

  it('reports a missing file, a path outside the mounts and a path conflict as tool errors', async () => {
    const outcomes: FileToolResult[] = [];
    const { client, session, run } = await start(async (turn) => {
      const root = turn.memoryMounts[0]?.mountPath as string;
      outcomes.push(await turn.readMemoryFile(`${root}/missing.md`));
      outcomes.push(await turn.readMemoryFile('/etc/passwd'));
      outcomes.push(await turn.writeMemoryFile(`${root}/notes`, 'a file where a directory is'));
      outcomes.push(await turn.writeMemoryFile(`${root}/a//b.md`, 'bad path'));
      outcomes.push(await turn.listMemoryFiles(`${root}/nothing-here`));
    });
    const store = await client.beta.memoryStores.create({ name: 'n' });
    await client.beta.memoryStores.memories.create(store.id, { path: '/notes/x.md', content: 'x' });
    const created = await session([{ type: 'memory_store', memory_store_id: store.id }]);
    await run(created.id, 'go');
    expect(outcomes.map(({ isError }) => isError)).toEqual([true, true, true, true, false]);
    expect(outcomes[2]?.text).toContain('/notes/x.md');
    expect(outcomes[4]?.text).toBe('');
  });

  it('holds a file write gated by ask until the user allows it, and never writes one denied', async () => {
    const outcomes: FileToolResult[] = [];
    const { emulator, client, session, run } = await start(async (turn) => {
      const root = turn.memoryMounts[0]?.mountPath as string;
      outcomes.push(await turn.writeMemoryFile(`${root}/a.md`, 'allowed', { permission: 'ask' }));
      outcomes.push(await turn.writeMemoryFile(`${root}/b.md`, 'denied', { permission: 'ask' }));
      outcomes.push(await turn.writeMemoryFile(`${root}/c.md`, 'by policy', { permission: 'deny' }));
    });
    const store = await client.beta.memoryStores.create({ name: 'gated' });
    const created = await session([{ type: 'memory_store', memory_store_id: store.id }]);
    await run(created.id, 'go');
    const uses = () => ofType(emulator, created.id, 'agent.tool_use');
    expect(emulator.memoryStore(store.id)?.list()).toEqual([]);
    await client.beta.sessions.events.send(created.id, {
      events: [{ type: 'user.tool_confirmation', tool_use_id: uses()[0]?.id as string, result: 'allow' }],
    });
    await client.beta.sessions.events.send(created.id, {
      events: [
        { type: 'user.tool_confirmation', tool_use_id: uses()[1]?.id as string, result: 'deny', deny_message: 'no' },
      ],
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes.map(({ isError, text }) => [isError, text])).toEqual([
      [false, 'created /mnt/memory/gated/a.md'],
      [true, 'no'],
      [true, 'write was denied by the permission policy'],
    ]);
    expect(
      emulator
        .memoryStore(store.id)
        ?.list()
        .map((memory) => memory.path),
    ).toEqual(['/a.md']);
  });

  it('lets a test write beside the API, just before a conditional update lands, so the update gets a 409', async () => {
    const { emulator, client } = await start(() => {});
    const store = await client.beta.memoryStores.create({ name: 'shared' });
    const memories = client.beta.memoryStores.memories;
    const memory = await memories.create(store.id, { path: '/plan.md', content: 'v1' });
    let interleaved = false;
    emulator.beforeRequest(({ method, path }) => {
      if (interleaved || method !== 'POST' || path !== `/v1/memory_stores/${store.id}/memories/${memory.id}`) return;
      interleaved = true;
      emulator.memoryStore(store.id)?.write('/plan.md', 'v1, edited by someone else');
    });
    const update = (content: string, expected: string) =>
      memories.update(memory.id, {
        memory_store_id: store.id,
        content,
        precondition: { type: 'content_sha256', content_sha256: expected },
      });
    await expect(update('v2', memory.content_sha256)).rejects.toMatchObject({
      status: 409,
      error: { error: { type: 'memory_precondition_failed_error' } },
    });
    const current = await memories.retrieve(memory.id, { memory_store_id: store.id });
    expect(current.content).toBe('v1, edited by someone else');
    await update(`${current.content} + v2`, current.content_sha256);
    emulator.beforeRequest(undefined);
    const history = await all(client.beta.memoryStores.memoryVersions.list(store.id, { view: 'full' }));
    expect(history.map((version) => [version.created_by?.type, version.content])).toEqual([
      ['api_actor', 'v1, edited by someone else + v2'],
      ['user_actor', 'v1, edited by someone else'],
      ['api_actor', 'v1'],
    ]);
  });

  it('attaches up to 8 existing, unarchived stores once each, telling apart names that mount alike', async () => {
    const { client, session } = await start(() => {});
    const stores = await Promise.all(
      Array.from({ length: 9 }, (_, i) => client.beta.memoryStores.create({ name: i < 2 ? 'Team notes' : `s${i}` })),
    );
    const attach = (ids: string[]) =>
      session(ids.map((id) => ({ type: 'memory_store' as const, memory_store_id: id })));
    const ids = stores.map((store) => store.id);
    const created = await attach(ids.slice(0, 8));
    expect(created.resources.slice(0, 3).map((resource) => 'mount_path' in resource && resource.mount_path)).toEqual([
      '/mnt/memory/team-notes',
      '/mnt/memory/team-notes-2',
      '/mnt/memory/s2',
    ]);
    await expect(attach(ids)).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(attach([ids[0] as string, ids[0] as string])).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(attach(['memstore_nope'])).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await client.beta.memoryStores.archive(ids[8] as string);
    await expect(attach([ids[8] as string])).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });
});
