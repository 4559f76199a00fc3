import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { all } from '../__fixtures__/all-pages.js';
import { type ManagedAgentsEmulator, startManagedAgentsEmulator } from './index.js';

const open: ManagedAgentsEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((emulator) => emulator.close()));
});

async function start(apiKey = 'test-key') {
  const emulator = await startManagedAgentsEmulator({ agent: () => {} });
  open.push(emulator);
  const client = new Anthropic({ baseURL: emulator.url, apiKey, maxRetries: 0 });
  const { id: storeId } = await client.beta.memoryStores.create({ name: 'history' });
  return { emulator, client, storeId, versions: client.beta.memoryStores.memoryVersions };
}

describe('memory versions in the emulator, through the official SDK', () => {
  it('records one version per change, newest first, and keeps them after the memory is deleted', async () => {
    const { client, storeId, versions } = await start();
    const memories = client.beta.memoryStores.memories;
    const memory = await memories.create(storeId, { path: '/a.md', content: 'one' });
    await memories.update(memory.id, { memory_store_id: storeId, content: 'two' });
    await memories.update(memory.id, { memory_store_id: storeId, content: 'two' });
    await memories.update(memory.id, { memory_store_id: storeId, path: '/b.md' });
    await memories.delete(memory.id, { memory_store_id: storeId });
    const other = await memories.create(storeId, { path: '/c.md', content: 'other' });

    const history = await all(versions.list(storeId, { memory_id: memory.id, view: 'full' }));
    expect(history.map((v) => [v.operation, v.path, v.content])).toEqual([
      ['deleted', '/b.md', null],
      ['modified', '/b.md', 'two'],
      ['modified', '/a.md', 'two'],
      ['created', '/a.md', 'one'],
    ]);
    expect(history[0]).toMatchObject({ content_sha256: null, content_size_bytes: null, redacted_at: null });
    expect(history[3]).toMatchObject({ memory_id: memory.id, memory_store_id: storeId, content_size_bytes: 3 });
    // The default view of a list leaves the content out, not the hash.
    const basic = await all(versions.list(storeId, { memory_id: memory.id }));
    expect(basic.map((v) => v.content)).toEqual([null, null, null, null]);
    expect(basic[3]?.content_sha256).toBe(history[3]?.content_sha256);

    expect((await all(versions.list(storeId))).length).toBe(5);
    expect((await all(versions.list(storeId, { operation: 'created' }))).map((v) => v.memory_id)).toEqual([
      other.id,
      memory.id,
    ]);
    const retrieved = await versions.retrieve(history[3]?.id as string, { memory_store_id: storeId });
    expect(retrieved.content).toBe('one');
    await expect(versions.list(storeId, { operation: 'renamed' as 'created' }).then(() => 0)).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
  });

  it('names the API key that wrote each version and filters by it', async () => {
    const { client, storeId, versions, emulator } = await start('key-one');
    await client.beta.memoryStores.memories.create(storeId, { path: '/a.md', content: 'a' });
    const second = new Anthropic({ baseURL: emulator.url, apiKey: 'key-two', maxRetries: 0 });
    await second.beta.memoryStores.memories.create(storeId, { path: '/b.md', content: 'b' });
    const keyIds = (await all(versions.list(storeId))).map((version) => {
      expect(version.created_by).toEqual({ type: 'api_actor', api_key_id: expect.stringMatching(/^apikey_/) });
      return (version.created_by as { api_key_id: string }).api_key_id;
    });
    const [keyTwo, keyOne] = keyIds as [string, string];
    expect(keyOne).not.toBe(keyTwo);
    expect(keyOne).not.toContain('key-one');
    expect((await all(versions.list(storeId, { api_key_id: keyOne }))).map((v) => v.path)).toEqual(['/a.md']);
  });

  it('redacts a version: content, hash, size and path wiped, author and time kept', async () => {
    const { client, storeId, versions } = await start();
    const memories = client.beta.memoryStores.memories;
    const memory = await memories.create(storeId, { path: '/secret.md', content: 'ada@example.com' });
    const current = memory.memory_version_id;
    // The version holding a live memory's content is refused: update or delete the memory first.
    await expect(versions.redact(current, { memory_store_id: storeId })).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
    await memories.delete(memory.id, { memory_store_id: storeId });
    const redacted = await versions.redact(current, { memory_store_id: storeId });
    expect(redacted).toMatchObject({
      id: current,
      operation: 'created',
      content: null,
      content_sha256: null,
      content_size_bytes: null,
      path: null,
      redacted_at: expect.any(String),
      redacted_by: { type: 'api_actor' },
      created_by: { type: 'api_actor' },
    });
    expect(await versions.retrieve(current, { memory_store_id: storeId })).toEqual(redacted);
    expect(await versions.redact(current, { memory_store_id: storeId })).toEqual(redacted);
    const history = await all(versions.list(storeId, { memory_id: memory.id, view: 'full' }));
    expect(JSON.stringify(history)).not.toContain('ada@example.com');
    expect(history.map((v) => v.operation)).toEqual(['deleted', 'created']);
    await expect(versions.redact('memver_nope', { memory_store_id: storeId })).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });

  it('keeps versions readable and redactable in an archived store, and lists them by creation time', async () => {
    const { client, storeId, versions } = await start();
    const memories = client.beta.memoryStores.memories;
    const memory = await memories.create(storeId, { path: '/a.md', content: 'a' });
    const [created] = await all(versions.list(storeId));
    await client.beta.memoryStores.archive(storeId);
    await memories.delete(memory.id, { memory_store_id: storeId });
    expect((await versions.redact(created?.id as string, { memory_store_id: storeId })).redacted_at).not.toBeNull();
    const at = created?.created_at as string;
    expect((await all(versions.list(storeId, { 'created_at[gte]': at }))).length).toBe(2);
    expect((await all(versions.list(storeId, { 'created_at[lte]': '2000-01-01T00:00:00Z' }))).length).toBe(0);
  });
});
