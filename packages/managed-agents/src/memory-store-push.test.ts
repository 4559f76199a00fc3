import { describe, expect, it } from 'vitest';
import { memoryStoresPerTest } from './__fixtures__/memory-store-fixture.js';
import { parseMemoryFile } from './memory-file-content.js';
import { diffBankWithMemoryStore } from './memory-store-diff.js';
import { pushBankToMemoryStore } from './memory-store-push.js';

const start = memoryStoresPerTest();

const WORDS =
  'amber basil cedar delta ember fjord garnet harbor iris juniper kelp lumen maple nectar onyx pylon quartz raven sierra tundra umber vessel willow xenon yarrow zephyr anchor bramble cobalt dune'.split(
    ' ',
  );

/** A sentence of words picked by a seeded generator: distinct enough that near-duplicate detection keeps them all. */
function sentence(seed: number): string {
  let state = seed * 2654435761;
  const words: string[] = [];
  for (let i = 0; i < 9; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    words.push(WORDS[state % WORDS.length] as string);
  }
  return `Note ${seed}: ${words.join(' ')}.`;
}

describe('pushBankToMemoryStore', () => {
  it('pushes 1,000 memories as files; a second push with nothing changed writes nothing', {
    timeout: 120_000,
  }, async () => {
    const { client, brain, bankId, memoryStoreId, writes, resetWrites, files } = await start();
    const items = Array.from({ length: 1000 }, (_, i) => ({
      content: sentence(i),
      tags: [`topic-${i % 7}`],
      ...(i % 3 === 0 ? { path: `projects/p${i % 5}` } : {}),
    }));
    const retained = await brain.retainMany(items, { bankId });
    expect(retained.filter((r) => r.stored)).toHaveLength(1000);
    const progress: string[] = [];

    const first = await pushBankToMemoryStore(client, brain, {
      bankId,
      memoryStoreId,
      onProgress: (p) => progress.push(`${p.phase} ${p.done}/${p.total}`),
    });
    expect(first).toMatchObject({ created: 1000, updated: 0, deleted: 0, redacted: 0, unchanged: 0, skipped: [] });
    expect(first.pathPrefix).toBe(`/${bankId}/`);
    expect(progress.at(-1)).toBe('write 1000/1000');
    const stored = await files();
    expect(stored.size).toBe(1000);
    const id = retained[3]?.memoryId as string;
    const file = stored.get(`/${bankId}/projects/p3/${id}.md`) as string;
    expect(parseMemoryFile(file)).toEqual({ header: { memoryId: id, bankId }, body: sentence(3) });
    expect(file).toContain('tags: ["topic-3"]');
    expect(stored.get(`/${bankId}/topic-1/${retained[1]?.memoryId}.md`)).toContain(sentence(1));

    resetWrites();
    const second = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(second).toMatchObject({ created: 0, updated: 0, deleted: 0, redacted: 0, unchanged: 1000 });
    expect(writes()).toBe(0);
  });

  it('updates the file of a superseded memory under a precondition, moving it, and writes nothing else', async () => {
    const { client, brain, bankId, memoryStoreId, files, writes, resetWrites } = await start();
    const old = await brain.retain('The release is on Tuesday.', { bankId, tags: ['release'] });
    await brain.retain('The office is in Lisbon.', { bankId });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const before = await client.beta.memoryStores.memories.list(memoryStoreId, { path_prefix: `/${bankId}/release/` });
    const storeMemoryId = (before.data[0] as { id: string }).id;

    const replacement = await brain.retain('The release moved to Thursday.', {
      bankId,
      tags: ['release'],
      supersedes: old.memoryId as string,
    });
    const diff = await diffBankWithMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(diff).toMatchObject({ create: [], delete: [], unchanged: 1 });
    expect(diff.update).toEqual([
      {
        memoryId: replacement.memoryId,
        path: `/${bankId}/release/${replacement.memoryId}.md`,
        storeMemoryId,
        previousPath: `/${bankId}/release/${old.memoryId}.md`,
      },
    ]);
    resetWrites();
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(pushed).toMatchObject({ created: 0, updated: 1, deleted: 0, redacted: 0, unchanged: 1, keptEdits: [] });
    expect(writes()).toBe(1);
    const moved = await client.beta.memoryStores.memories.retrieve(storeMemoryId, { memory_store_id: memoryStoreId });
    expect(moved.path).toBe(`/${bankId}/release/${replacement.memoryId}.md`);
    expect(moved.content).toContain('The release moved to Thursday.');
    const paths = [...(await files()).keys()];
    expect(paths).toHaveLength(2);
    expect(paths).toContain(moved.path);
    expect(paths.some((path) => path.includes(old.memoryId as string))).toBe(false);
  });

  it('applies the output scan: what scan_output masks on recall is masked in the store', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start({
      governance: { pii: { default: 'warn', scanOutput: true } },
    });
    await brain.retain('Invoices go to billing@example.com every month.', { bankId, tags: ['ops'] });
    expect((await brain.list(bankId)).items[0]?.text).toContain('billing@example.com');
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const [content] = [...(await files()).values()];
    expect(content).toContain('Invoices go to');
    expect(content).not.toContain('billing@example.com');
    expect((await brain.recall('invoices', { bankId })).hits[0]?.text).toBe(parseMemoryFile(content as string).body);
  });

  it('leaves alone files it did not write: other paths, and names of memories the bank never held', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start();
    const notes = client.beta.memoryStores.memories;
    await notes.create(memoryStoreId, { path: `/${bankId}/scratch/todo.md`, content: 'call the bank' });
    await notes.create(memoryStoreId, { path: `/${bankId}/0193f8a2-7c1d-7e00-8000-1234567890ab.md`, content: 'x' });
    await notes.create(memoryStoreId, { path: '/elsewhere/notes.md', content: 'y' });
    // A file where a directory of the push would go: the memory under it is reported, the file kept.
    await notes.create(memoryStoreId, { path: `/${bankId}/projects`, content: 'z' });
    await brain.retain('Lunch is at noon.', { bankId });
    const blocked = await brain.retain('Apollo ships in June.', { bankId, path: 'projects/apollo' });
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(pushed).toMatchObject({ created: 1, deleted: 0 });
    expect(pushed.skipped).toEqual([
      { memoryId: blocked.memoryId, reason: 'path_conflict', conflictingPath: `/${bankId}/projects` },
    ]);
    expect((await files()).size).toBe(5);
  });

  it('moves every file when the layout changes, and keeps pushes of two banks apart under their prefixes', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start();
    await brain.retain('Standup is at nine.', { bankId, path: 'team/rituals' });
    await brain.retain('Guests get the blue badge.', { bankId: `${bankId}-other` });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    await pushBankToMemoryStore(client, brain, { bankId: `${bankId}-other`, memoryStoreId });
    const moved = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId, layout: 'flat' });
    expect(moved).toMatchObject({ created: 0, updated: 1, deleted: 0 });
    const paths = [...(await files()).keys()];
    expect(paths).toHaveLength(2);
    expect(paths.filter((p) => p.startsWith(`/${bankId}/`))).toEqual([expect.stringMatching(/^\/[^/]+\/[^/]+\.md$/)]);
  });

  it('refuses bad options with a typed error before any request', async () => {
    const { client, brain, bankId, memoryStoreId, writes } = await start();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ bankId, memoryStoreId: '' }, 'memoryStoreId'],
      [{ bankId: 'no spaces', memoryStoreId }, 'bankId'],
      [{ bankId, memoryStoreId, pathPrefix: 'relative/' }, 'pathPrefix'],
      [{ bankId, memoryStoreId, layout: 'tree' }, 'layout'],
      [{ bankId, memoryStoreId, concurrency: 0 }, 'concurrency'],
    ];
    const before = writes();
    for (const [options, field] of bad) {
      // biome-ignore lint/suspicious/noExplicitAny: invalid on purpose.
      await expect(pushBankToMemoryStore(client, brain, options as any)).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field },
      });
    }
    expect(writes()).toBe(before);
  });
});
