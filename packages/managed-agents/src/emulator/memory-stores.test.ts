import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { all } from '../__fixtures__/all-pages.js';
import { type ManagedAgentsEmulator, startManagedAgentsEmulator } from './index.js';

const open: ManagedAgentsEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((emulator) => emulator.close()));
});

async function start(): Promise<{ emulator: ManagedAgentsEmulator; client: Anthropic; storeId: string }> {
  const emulator = await startManagedAgentsEmulator({ agent: () => {} });
  open.push(emulator);
  const client = new Anthropic({ baseURL: emulator.url, apiKey: 'test-key', maxRetries: 0 });
  const store = await client.beta.memoryStores.create({ name: 'User Preferences', description: 'what the user likes' });
  return { emulator, client, storeId: store.id };
}

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('memory stores in the emulator, through the official SDK', () => {
  it('creates, retrieves, updates, lists, archives and deletes stores', async () => {
    const { client, storeId } = await start();
    const store = await client.beta.memoryStores.retrieve(storeId);
    expect(store).toMatchObject({
      id: storeId,
      type: 'memory_store',
      name: 'User Preferences',
      description: 'what the user likes',
      metadata: {},
      archived_at: null,
    });
    const updated = await client.beta.memoryStores.update(storeId, {
      name: 'Prefs',
      metadata: { owner: 'ada', team: 'x' },
    });
    expect(updated).toMatchObject({
      name: 'Prefs',
      description: 'what the user likes',
      metadata: { owner: 'ada', team: 'x' },
    });
    const patched = await client.beta.memoryStores.update(storeId, { metadata: { team: null } });
    expect(patched.metadata).toEqual({ owner: 'ada' });

    const other = await client.beta.memoryStores.create({ name: 'other' });
    const archived = await client.beta.memoryStores.archive(other.id);
    expect(archived.archived_at).toEqual(expect.any(String));
    expect((await all(client.beta.memoryStores.list())).map((s) => s.id)).toEqual([storeId]);
    expect((await all(client.beta.memoryStores.list({ include_archived: true }))).map((s) => s.id)).toEqual([
      other.id,
      storeId,
    ]);
    await expect(client.beta.memoryStores.update(other.id, { name: 'again' })).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
    await expect(
      client.beta.memoryStores.memories.create(other.id, { path: '/a.md', content: 'x' }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);

    expect(await client.beta.memoryStores.delete(other.id)).toEqual({ id: other.id, type: 'memory_store_deleted' });
    await expect(client.beta.memoryStores.retrieve(other.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(client.beta.memoryStores.create({ name: '' })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('creates, retrieves, updates and deletes memories, with their hash and size', async () => {
    const { client, storeId } = await start();
    const memories = client.beta.memoryStores.memories;
    const created = await memories.create(storeId, { path: '/user/likes.md', content: 'tea, not coffee' });
    expect(created).toMatchObject({
      type: 'memory',
      memory_store_id: storeId,
      path: '/user/likes.md',
      content: null,
      content_sha256: sha('tea, not coffee'),
      content_size_bytes: 15,
      memory_version_id: expect.stringMatching(/^memver_/),
    });
    expect(created.id).toMatch(/^mem_/);
    const read = await memories.retrieve(created.id, { memory_store_id: storeId });
    expect(read.content).toBe('tea, not coffee');
    expect((await memories.retrieve(created.id, { memory_store_id: storeId, view: 'basic' })).content).toBeNull();

    const renamed = await memories.update(created.id, {
      memory_store_id: storeId,
      path: '/user/drinks.md',
      content: 'green tea',
      view: 'full',
    });
    expect(renamed).toMatchObject({ id: created.id, path: '/user/drinks.md', content: 'green tea' });
    expect(renamed.memory_version_id).not.toBe(created.memory_version_id);

    const empty = await memories.create(storeId, { path: '/empty.md', content: '' });
    expect([empty.content_size_bytes, empty.content_sha256]).toEqual([0, sha('')]);
    const multibyte = await memories.create(storeId, { path: '/café.md', content: 'é' });
    expect(multibyte.content_size_bytes).toBe(2);

    expect(await memories.delete(created.id, { memory_store_id: storeId })).toEqual({
      id: created.id,
      type: 'memory_deleted',
    });
    await expect(memories.retrieve(created.id, { memory_store_id: storeId })).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
    await expect(memories.retrieve(empty.id, { memory_store_id: 'memstore_nope' })).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });

  it('refuses paths the platform refuses, and content over 100 kB', async () => {
    const { client, storeId } = await start();
    const create = (path: string, content = 'x') =>
      client.beta.memoryStores.memories.create(storeId, { path, content });
    const refused = [
      'notes.md',
      '/',
      '/a//b',
      '/a/',
      '/a/./b',
      '/a/../b',
      `/${'s/'.repeat(20)}t`,
      `/${'x'.repeat(1024)}`,
      '/tab\there',
      '/zero\u200bwidth',
      '/line\u2028sep',
      '/cafe\u0301.md',
    ];
    for (const path of refused) {
      await expect(create(path), path).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    }
    await expect(create('/big.md', 'x'.repeat(102_401))).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const accepted = [`/${'s/'.repeat(19)}t`, `/${'x'.repeat(1023)}`, '/max.md'];
    for (const path of accepted) await create(path, path === '/max.md' ? 'x'.repeat(102_400) : 'x');
    expect((await all(client.beta.memoryStores.memories.list(storeId))).length).toBe(3);
  });

  it('answers 409 memory_path_conflict_error for a path taken or overlapping, naming the memory in the way', async () => {
    const { client, storeId } = await start();
    const memories = client.beta.memoryStores.memories;
    const notes = await memories.create(storeId, { path: '/notes/todo.md', content: 'a' });
    const conflicts = [
      ['/notes/todo.md', '/notes/todo.md'],
      ['/notes', '/notes/todo.md'],
      ['/notes/todo.md/sub', '/notes/todo.md'],
    ];
    for (const [path, conflicting] of conflicts) {
      const failure = await memories.create(storeId, { path: path as string, content: 'b' }).catch((error) => error);
      expect(failure, path).toBeInstanceOf(Anthropic.ConflictError);
      expect(failure.error.error).toMatchObject({
        type: 'memory_path_conflict_error',
        conflicting_memory_id: notes.id,
        conflicting_path: conflicting,
      });
    }
    // Whole segments only: /notes-archive is no descendant of /notes.
    const sibling = await memories.create(storeId, { path: '/notes-archive/todo.md', content: 'c' });
    const rename = memories.update(sibling.id, { memory_store_id: storeId, path: '/notes/todo.md/x' });
    await expect(rename).rejects.toMatchObject({
      status: 409,
      error: { error: { type: 'memory_path_conflict_error' } },
    });
    expect((await memories.retrieve(sibling.id, { memory_store_id: storeId })).path).toBe('/notes-archive/todo.md');
  });

  it('applies an update or a delete only when the content_sha256 precondition holds', async () => {
    const { client, storeId } = await start();
    const memories = client.beta.memoryStores.memories;
    const memory = await memories.create(storeId, { path: '/plan.md', content: 'v1' });
    const stale = sha('v0');
    const update = memories.update(memory.id, {
      memory_store_id: storeId,
      content: 'v2',
      precondition: { type: 'content_sha256', content_sha256: stale },
    });
    await expect(update).rejects.toBeInstanceOf(Anthropic.ConflictError);
    await expect(update).rejects.toMatchObject({ error: { error: { type: 'memory_precondition_failed_error' } } });
    expect((await memories.retrieve(memory.id, { memory_store_id: storeId })).content).toBe('v1');

    const applied = await memories.update(memory.id, {
      memory_store_id: storeId,
      content: 'v2',
      precondition: { type: 'content_sha256', content_sha256: sha('v1') },
    });
    expect(applied.content_sha256).toBe(sha('v2'));
    // Asking for what the memory already is succeeds whatever the hash, and writes no version.
    const same = await memories.update(memory.id, {
      memory_store_id: storeId,
      content: 'v2',
      precondition: { type: 'content_sha256', content_sha256: stale },
    });
    expect(same.memory_version_id).toBe(applied.memory_version_id);

    const remove = memories.delete(memory.id, { memory_store_id: storeId, expected_content_sha256: sha('v1') });
    await expect(remove).rejects.toMatchObject({
      status: 409,
      error: { error: { type: 'memory_precondition_failed_error' } },
    });
    expect((await memories.retrieve(memory.id, { memory_store_id: storeId })).content).toBe('v2');
    await memories.delete(memory.id, { memory_store_id: storeId, expected_content_sha256: sha('v2') });
    await expect(
      memories.delete(memory.id, { memory_store_id: storeId, expected_content_sha256: 'not-a-hash' }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('lists by path prefix (whole segments) and depth, rolling deeper paths into memory_prefix items', async () => {
    const { client, storeId } = await start();
    const memories = client.beta.memoryStores.memories;
    for (const path of ['/a.md', '/notes/x.md', '/notes/deep/y.md', '/notes/deep/er/z.md', '/notes-archive/w.md']) {
      await memories.create(storeId, { path, content: path });
    }
    const paths = async (params: Anthropic.Beta.MemoryStores.MemoryListParams) =>
      (await all(memories.list(storeId, params))).map((item) => `${item.type}:${item.path}`);
    expect(await paths({})).toEqual([
      'memory:/a.md',
      'memory:/notes-archive/w.md',
      'memory:/notes/deep/er/z.md',
      'memory:/notes/deep/y.md',
      'memory:/notes/x.md',
    ]);
    expect(await paths({ path_prefix: '/notes/' })).toEqual([
      'memory:/notes/deep/er/z.md',
      'memory:/notes/deep/y.md',
      'memory:/notes/x.md',
    ]);
    expect(await paths({ depth: 1 })).toEqual([
      'memory:/a.md',
      'memory_prefix:/notes-archive/',
      'memory_prefix:/notes/',
    ]);
    expect(await paths({ path_prefix: '/notes/', depth: 1 })).toEqual([
      'memory_prefix:/notes/deep/',
      'memory:/notes/x.md',
    ]);
    expect(await paths({ path_prefix: '/notes/', depth: 2 })).toEqual([
      'memory_prefix:/notes/deep/er/',
      'memory:/notes/deep/y.md',
      'memory:/notes/x.md',
    ]);
    const full = await all(memories.list(storeId, { path_prefix: '/notes/deep/', view: 'full' }));
    expect(full.map((item) => (item.type === 'memory' ? item.content : null))).toEqual([
      '/notes/deep/er/z.md',
      '/notes/deep/y.md',
    ]);
    await expect(paths({ path_prefix: '/notes' })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(paths({ depth: -1 })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('pages lists with limit and next_page, and caps a full page at 20', async () => {
    const { client, storeId } = await start();
    const memories = client.beta.memoryStores.memories;
    for (let i = 0; i < 45; i++)
      await memories.create(storeId, { path: `/m/${String(i).padStart(2, '0')}.md`, content: `${i}` });
    const first = await memories.list(storeId, { limit: 10 });
    expect(first.data.length).toBe(10);
    expect(first.next_page).toEqual(expect.any(String));
    // A write between pages neither repeats nor skips what remains.
    await memories.create(storeId, { path: '/m/00a.md', content: 'early' });
    const second = await first.getNextPage();
    expect(second.data[0]?.path).toBe('/m/10.md');
    const walked = await all(memories.list(storeId, { limit: 7 }));
    expect(walked.map((item) => item.path)).toEqual([...new Set(walked.map((item) => item.path))]);
    expect(walked.length).toBe(46);
    const fullPage = await memories.list(storeId, { limit: 100, view: 'full' });
    expect(fullPage.data.length).toBe(20);
    const basicPage = await memories.list(storeId, { limit: 1000 });
    expect(basicPage.data.length).toBe(46);
  });
});
