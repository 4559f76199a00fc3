import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from '../__fixtures__/emulated-session-fixture.js';
import { MANAGED_AGENTS_BETA, MEMORY_STORES_BETA } from './index.js';

const startSession = emulatedSessionsPerTest();

const textMessage = (text: string) => ({ type: 'user.message' as const, content: [{ type: 'text' as const, text }] });

describe('the emulator, where users would otherwise see it diverge from the platform', () => {
  it('keeps the resources, vault ids and budget a session was created with', async () => {
    const { client, sessionId } = await startSession(() => {});
    const { agent, environment_id } = await client.beta.sessions.retrieve(sessionId);
    const budget = { type: 'limit' as const, max_list_cost: { amount: '2500', currency: 'USD' as const } };
    const store = await client.beta.memoryStores.create({ name: 'Team Notes!', description: 'shared notes' });
    const created = await client.beta.sessions.create({
      agent: agent.id,
      environment_id,
      vault_ids: ['vlt_a'],
      budget,
      resources: [
        { type: 'github_repository', url: 'https://github.com/acme/shop.git', authorization_token: 'secret' },
        { type: 'file', file_id: 'file_1', mount_path: '/data/in.csv' },
        { type: 'memory_store', memory_store_id: store.id, access: 'read_only' },
      ],
    });
    const session = await client.beta.sessions.retrieve(created.id);
    expect(session.vault_ids).toEqual(['vlt_a']);
    expect(session.budget).toEqual(budget);
    expect(session.resources).toMatchObject([
      {
        type: 'github_repository',
        url: 'https://github.com/acme/shop.git',
        mount_path: '/workspace/shop',
        checkout: null,
      },
      { type: 'file', file_id: 'file_1', mount_path: '/data/in.csv' },
      {
        type: 'memory_store',
        memory_store_id: store.id,
        access: 'read_only',
        instructions: null,
        name: 'Team Notes!',
        description: 'shared notes',
        mount_path: '/mnt/memory/team-notes',
      },
    ]);
    expect(JSON.stringify(session.resources)).not.toContain('secret');
    const bare = await client.beta.sessions.retrieve(sessionId);
    expect([bare.vault_ids, bare.budget, bare.resources]).toEqual([[], null, []]);
    await expect(
      client.beta.sessions.create({
        agent: agent.id,
        environment_id,
        budget: { type: 'limit', max_list_cost: { amount: '25.00', currency: 'USD' } },
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('accepts the memory-store beta and answers 404 for what it does not serve', async () => {
    const { client, emulator } = await startSession(() => {});
    const missing = client.beta.memoryStores.retrieve('memstore_nope');
    await expect(missing).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(missing).rejects.toMatchObject({ error: { error: { type: 'not_found_error' } } });
    const headers = { 'x-api-key': 'k' };
    const both = await fetch(`${emulator.url}/v1/environments/env_nope`, {
      headers: { ...headers, 'anthropic-beta': `${MANAGED_AGENTS_BETA},${MEMORY_STORES_BETA}` },
    });
    expect([both.status, ((await both.json()) as { error: { type: string } }).error.type]).toEqual([
      404,
      'not_found_error',
    ]);
    const unknown = await fetch(`${emulator.url}/v1/no/such/path`, { method: 'POST', headers });
    expect([unknown.status, ((await unknown.json()) as { error: { type: string } }).error.type]).toEqual([
      404,
      'not_found_error',
    ]);
  });

  it('honours the created_at bounds of an event list, compared against processed_at', async () => {
    const { client, sessionId, emulator } = await startSession((turn) => turn.say('ok'));
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('one')] });
    const log = emulator.events(sessionId);
    const pivot = log[2];
    const list = async (bounds: Record<string, string>) => {
      const ids = [];
      for await (const event of client.beta.sessions.events.list(sessionId, bounds)) ids.push(event.id);
      return ids;
    };
    const ids = log.map((event) => event.id);
    const at = pivot?.processed_at as string;
    expect(await list({ 'created_at[gte]': at })).toEqual(ids.slice(2));
    expect(await list({ 'created_at[gt]': at })).toEqual(ids.slice(3));
    expect(await list({ 'created_at[lt]': at })).toEqual(ids.slice(0, 2));
    expect(await list({ 'created_at[lte]': at, 'created_at[gt]': log[0]?.processed_at as string })).toEqual(
      ids.slice(1, 3),
    );
    await expect(list({ 'created_at[gte]': 'yesterday' })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('leaves processed_at null on a message queued behind the running turn until its turn starts', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      if (turn.turnIndex === 0) await gate;
      turn.say(`did ${turn.message}`);
    });
    const first = await client.beta.sessions.events.send(sessionId, { events: [textMessage('first')] });
    const queued = await client.beta.sessions.events.send(sessionId, { events: [textMessage('second')] });
    expect(first.data?.[0]?.processed_at).toEqual(expect.any(String));
    expect(queued.data?.[0]?.processed_at).toBeNull();
    const listed = [];
    for await (const event of client.beta.sessions.events.list(sessionId, { types: ['user.message'] })) {
      listed.push(event.processed_at);
    }
    expect(listed).toEqual([expect.any(String), null]);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    const second = emulator.events(sessionId).find((event) => event.id === queued.data?.[0]?.id);
    const firstReply = emulator.events(sessionId).find((event) => event.type === 'agent.message');
    expect(second?.processed_at).toEqual(expect.any(String));
    expect(Date.parse(second?.processed_at as string)).toBeGreaterThan(Date.parse(firstReply?.processed_at as string));
  });

  it('gives each kind of session.error its own fields, as the SDK types them', async () => {
    const { client, sessionId, emulator } = await startSession((turn) => {
      turn.sessionError('mcp_connection_failed_error', 'retrying', 'cannot reach docs', { mcp_server_name: 'docs' });
      turn.sessionError('credential_host_unreachable_error', 'retrying');
      turn.sessionError('repository_clone_error', 'retrying', undefined, { repository_url: 'https://x/y' });
      turn.sessionError('model_overloaded_error', 'exhausted');
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const errors = emulator.events(sessionId).filter((event) => event.type === 'session.error');
    expect(errors.map((event) => event.error)).toEqual([
      {
        type: 'mcp_connection_failed_error',
        message: 'cannot reach docs',
        mcp_server_name: 'docs',
        retry_status: { type: 'retrying' },
      },
      {
        type: 'credential_host_unreachable_error',
        message: 'emulated credential_host_unreachable_error',
        credential_id: expect.any(String),
        vault_id: expect.any(String),
        retry_status: { type: 'retrying' },
      },
      {
        type: 'repository_clone_error',
        message: 'emulated repository_clone_error',
        repository_url: 'https://x/y',
        retry_status: { type: 'retrying' },
      },
      {
        type: 'model_overloaded_error',
        message: 'emulated model_overloaded_error',
        retry_status: { type: 'exhausted' },
      },
    ]);
  });

  it('returns environments with their packages and networking filled in as the platform does', async () => {
    const { client } = await startSession(() => {});
    const created = await client.beta.environments.create({
      name: 'with-packages',
      config: {
        type: 'cloud',
        networking: { type: 'limited', allowed_hosts: ['pypi.org'] },
        packages: { pip: ['numpy'] },
      },
    });
    expect((await client.beta.environments.retrieve(created.id)).config).toEqual({
      type: 'cloud',
      networking: {
        type: 'limited',
        allowed_hosts: ['pypi.org'],
        allow_mcp_servers: false,
        allow_package_managers: false,
      },
      packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: ['numpy'] },
    });
    const bare = await client.beta.environments.create({ name: 'bare' });
    expect(bare.config).toMatchObject({ type: 'cloud', networking: { type: 'unrestricted' }, packages: { pip: [] } });
  });
});
