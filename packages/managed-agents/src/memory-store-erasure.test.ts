import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStoresPerTest } from './__fixtures__/memory-store-fixture.js';
import { diffBankWithMemoryStore } from './memory-store-diff.js';
import { pushBankToMemoryStore } from './memory-store-push.js';

const start = memoryStoresPerTest();

afterEach(() => {
  vi.useRealTimers();
});

const CITIES = ['Lisbon', 'Oslo', 'Quito', 'Hanoi', 'Dakar', 'Perth', 'Lima', 'Riga', 'Porto', 'Bern'];
const FRUITS = ['mango', 'quince', 'lychee'];

describe('pushBankToMemoryStore and forgetting', () => {
  it('deletes the files of 10 forgotten memories and redacts their versions, so no version holds their text', async () => {
    const { client, brain, bankId, memoryStoreId, files, versionContents, writes, resetWrites } = await start();
    const texts = Array.from(
      { length: 30 },
      (_, i) => `Customer ${i} lives in ${CITIES[i % 10]} and likes ${FRUITS[i % 3]} ${i}.`,
    );
    const retained = await brain.retainMany(
      texts.map((content) => ({ content })),
      { bankId },
    );
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const forgotten = retained.slice(0, 10).map((r) => r.memoryId as string);
    expect((await brain.forget(bankId, { memoryIds: forgotten })).deletedCount).toBe(10);

    const diff = await diffBankWithMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(diff.delete.map((d) => [d.memoryId, d.erased]).sort()).toEqual(forgotten.map((id) => [id, true]).sort());
    expect(diff).toMatchObject({ create: [], update: [], unchanged: 20 });
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    // Each file had two versions: its creation and its deletion (whose path alone names the memory).
    expect(pushed).toMatchObject({ created: 0, updated: 0, deleted: 10, redacted: 20, unchanged: 20 });

    const left = [...(await files()).values()].join('\n');
    const versions = (await versionContents()).join('\n');
    for (const [i, text] of texts.entries()) {
      expect(left.includes(text), text).toBe(i >= 10);
      expect(versions.includes(text), text).toBe(i >= 10);
    }
    resetWrites();
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(writes()).toBe(0);
  });

  it('treats an expired memory as erased before any purge: its file goes, its versions are redacted', async () => {
    const { client, brain, bankId, memoryStoreId, files, versionContents } = await start();
    vi.useFakeTimers({ toFake: ['Date'] });
    const inAnHour = new Date(Date.now() + 3_600_000);
    await brain.retain('Temporary door code is 4471.', { bankId, expiresAt: inAnHour });
    await brain.retain('Permanent fact about the office.', { bankId });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    await brain.retain('Temporary alarm code is 9902.', { bankId, expiresAt: inAnHour });

    vi.setSystemTime(Date.now() + 7_200_000);
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(pushed).toMatchObject({ created: 0, deleted: 1, unchanged: 1 });
    expect([...(await files()).values()]).toEqual([expect.stringContaining('Permanent fact about the office.')]);
    const versions = (await versionContents()).join('\n');
    expect(versions).not.toContain('door code');
    expect(versions).not.toContain('alarm code');
  });

  it('redacts erased text in the versions of a file moved by a supersede, and of a file someone else deleted', async () => {
    const { client, brain, bankId, memoryStoreId, files, versionContents } = await start();
    const first = await brain.retain('The vault code is kept by Ines.', { bankId });
    const note = await brain.retain('Parking is behind the red gate.', { bankId });
    const draft = await brain.retain('The launch party is in March.', { bankId, tags: ['events'] });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const second = await brain.retain('The vault code is kept by Omar.', {
      bankId,
      supersedes: first.memoryId as string,
    });
    const final = await brain.retain('The launch party is in April.', {
      bankId,
      tags: ['events'],
      supersedes: draft.memoryId as string,
    });
    expect(await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId })).toMatchObject({ updated: 2 });
    // Someone removes the parking note's file before the bank forgets it.
    const parking = (await client.beta.memoryStores.memories.list(memoryStoreId)).data.find(
      (m) => m.type === 'memory' && m.path.includes(note.memoryId as string),
    );
    if (parking?.type !== 'memory') throw new Error('the parking note was not pushed');
    await client.beta.memoryStores.memories.delete(parking.id, { memory_store_id: memoryStoreId });

    await brain.forget(bankId, { memoryIds: [second.memoryId as string, note.memoryId as string] });
    // Forgetting only the replaced draft leaves its successor, but its text must still leave the store.
    await brain.forget(bankId, { memoryIds: [draft.memoryId as string] });
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(pushed).toMatchObject({ created: 0, updated: 0, deleted: 1, unchanged: 1 });

    const versions = (await versionContents()).join('\n');
    for (const erased of ['kept by Ines', 'kept by Omar', 'red gate', 'in March'])
      expect(versions).not.toContain(erased);
    expect([...(await files()).values()]).toEqual([expect.stringContaining('The launch party is in April.')]);
    expect(versions).toContain('in April');
    expect([...(await files()).keys()]).toEqual([`/${bankId}/events/${final.memoryId}.md`]);
  });
});
