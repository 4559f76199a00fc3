import Anthropic from '@anthropic-ai/sdk';
import { Astrocyte } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { type ManagedAgentsEmulator, startManagedAgentsEmulator } from '@astrocyte/managed-agents/emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { astrocyte, tempProject } from './cli-process.fixture.js';

describe('astrocyte stores push, pull and diff', { timeout: 120_000 }, () => {
  let emulator: ManagedAgentsEmulator;
  let client: Anthropic;
  let storeId: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    emulator = await startManagedAgentsEmulator({ agent: (turn) => turn.say('ok') });
    client = new Anthropic({ baseURL: emulator.url, apiKey: 'test-key' });
    storeId = (await client.beta.memoryStores.create({ name: 'Team' })).id;
    env = { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: emulator.url };
  });

  afterEach(async () => {
    await emulator.close();
  });

  /** Runs `astrocyte stores …` with --json and parses what it printed. */
  async function stores(args: string[], dir: string) {
    const run = await astrocyte(['stores', ...args, '--store', storeId, '--bank', 'team', '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout);
  }

  async function withBrain<T>(config: string, work: (brain: Astrocyte) => Promise<T>): Promise<T> {
    const brain = await Astrocyte.fromConfig(config);
    try {
      return await work(brain);
    } finally {
      await brain.close();
    }
  }

  const storePaths = async () => {
    const paths: string[] = [];
    for await (const item of client.beta.memoryStores.memories.list(storeId)) paths.push(item.path);
    return paths.sort();
  };

  it('diffs, pushes, pulls and pushes a forget through, end to end with --json', async () => {
    const { dir, config } = tempProject();
    const ids = await withBrain(config, async (brain) => {
      const kept = await brain.retain('Standup is at ten.', { bankId: 'team', tags: ['rituals'] });
      const forgotten = await brain.retain('The spare key is under the mat.', { bankId: 'team' });
      return { kept: kept.memoryId as string, forgotten: forgotten.memoryId as string };
    });

    const diff = await stores(['diff'], dir);
    expect(diff).toMatchObject({ bank_id: 'team', memory_store_id: storeId, path_prefix: '/team/', update: [] });
    expect(diff.create.map((c: { path: string }) => c.path).sort()).toEqual(
      [`/team/${ids.forgotten}.md`, `/team/rituals/${ids.kept}.md`].sort(),
    );
    expect(await storePaths()).toEqual([]);

    const pushRun = await astrocyte(['stores', 'push', '--store', storeId, '--bank', 'team', '--json', '--progress'], {
      cwd: dir,
      env,
    });
    expect(pushRun.code, pushRun.stderr).toBe(0);
    expect(pushRun.stderr).toContain('pushing');
    expect(JSON.parse(pushRun.stdout)).toMatchObject({ created: 2, updated: 0, deleted: 0, unchanged: 0 });
    expect(await storePaths()).toEqual([`/team/${ids.forgotten}.md`, `/team/rituals/${ids.kept}.md`].sort());
    expect(await stores(['push'], dir)).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });

    await client.beta.memoryStores.memories.create(storeId, {
      path: '/notes/contact.md',
      content: 'The auditor is reachable at audit@example.com.',
    });
    const pulled = await stores(['pull', '--path-prefix', '/notes/', '--tags', 'agent-notes'], dir);
    expect(pulled).toMatchObject({ read: 1, stored: 1, redacted: 1, path_prefix: '/notes/', failed: [] });
    expect(await stores(['pull', '--path-prefix', '/notes/'], dir)).toMatchObject({ stored: 0, unchanged: 1 });
    const note = await withBrain(config, async (brain) => {
      await brain.forget('team', { memoryIds: [ids.forgotten] });
      return (await brain.list('team', { pathPrefix: 'notes' })).items;
    });
    expect(note.map((m) => [m.text.includes('audit@example.com'), m.path, m.tags])).toEqual([
      [false, 'notes/contact.md', ['agent-notes']],
    ]);

    const afterForget = await stores(['diff'], dir);
    expect(afterForget.delete).toEqual([
      {
        memory_id: ids.forgotten,
        path: `/team/${ids.forgotten}.md`,
        store_memory_id: expect.any(String),
        erased: true,
      },
    ]);
    expect(afterForget.create).toEqual([
      { memory_id: note[0]?.id, path: `/team/notes/contact.md.d/${note[0]?.id}.md` },
    ]);
    const pushed = await stores(['push'], dir);
    expect(pushed).toMatchObject({ created: 1, deleted: 1, redacted_versions: 2, unchanged: 1, kept_edits: [] });
    for await (const version of client.beta.memoryStores.memoryVersions.list(storeId, { view: 'full' }))
      expect(version.content ?? '').not.toContain('spare key');
  });

  it('prints a diff for people, and says what to fix for a missing key, an unknown store and a bad prefix', async () => {
    const { dir, config } = tempProject();
    await withBrain(config, (brain) => brain.retain('Lunch is at noon.', { bankId: 'team' }));
    const human = await astrocyte(['stores', 'diff', '--store', storeId, '--bank', 'team'], { cwd: dir, env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^\+ \/team\/\S+\.md\n1 to create, 0 to update, 0 to delete, 0 unchanged\n$/);

    const noKey = await astrocyte(['stores', 'push', '--store', storeId], {
      cwd: dir,
      env: { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: emulator.url },
    });
    expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringContaining('ANTHROPIC_API_KEY is not set')]);
    const unknown = await astrocyte(['stores', 'push', '--store', 'memstore_nope'], { cwd: dir, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no memory store memstore_nope (HTTP 404) (fix: check the --store id');
    const badPrefix = await astrocyte(['stores', 'pull', '--store', storeId, '--path-prefix', 'notes'], {
      cwd: dir,
      env,
    });
    expect(badPrefix.code).toBe(2);
    expect(badPrefix.stderr).toContain('(fix: correct --path-prefix');
    expect(emulator.requests.filter((r) => r.method !== 'GET')).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/memory_stores' }),
    ]);
  });

  it('with access configured, pushes as --principal, and without one is denied before the store is asked', async () => {
    const { dir, config } = tempProject(
      'access:\n  grants:\n    - { principal: "user:{bank}", banks: "{bank}", permissions: [read, write] }\n',
    );
    const alice = randomBankId('alice');
    const { memoryId } = await withBrain(config, (brain) =>
      brain.retain('Alice takes the late shift.', { bankId: alice, context: { principal: alice } }),
    );
    const push = (args: string[]) =>
      astrocyte(['stores', 'push', '--store', storeId, '--bank', alice, '--json', ...args], { cwd: dir, env });
    const requestsBefore = emulator.requests.length;

    const denied = await push([]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(`access denied: an operation with no principal may not read bank ${alice}`);
    expect(emulator.requests.length).toBe(requestsBefore);

    const pushed = await push(['--principal', alice]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ bank_id: alice, created: 1, skipped: [] });
    expect(await storePaths()).toEqual([`/${alice}/${memoryId}.md`]);
  });
});
