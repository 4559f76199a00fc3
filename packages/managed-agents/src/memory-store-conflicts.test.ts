import { describe, expect, it } from 'vitest';
import { type MemoryStoreFixture, memoryStoresPerTest } from './__fixtures__/memory-store-fixture.js';
import type { EmulatedRequest, MemoryActor } from './emulator/index.js';
import { pushBankToMemoryStore } from './memory-store-push.js';

const start = memoryStoresPerTest();

const AGENT: MemoryActor = { type: 'session_actor', session_id: 'sesn_concurrent' };

/**
 * A fixture whose store gets one write from another writer (an agent's session) just before the push's first
 * request that `matches`: the write lands between the push's read and its own write.
 */
async function withConcurrentWrite(
  matches: (request: EmulatedRequest) => boolean,
  write: (fixture: MemoryStoreFixture) => void,
) {
  const fixture = await start();
  let armed = false;
  fixture.emulator.beforeRequest((request) => {
    if (!armed || !matches(request)) return;
    armed = false;
    write(fixture);
  });
  return { ...fixture, arm: () => (armed = true) };
}

const conflicts = (fixture: MemoryStoreFixture) => fixture.emulator.requests.filter((r) => r.status === 409).length;

describe('pushBankToMemoryStore under concurrent writers', () => {
  it('resolves a 409 on an update by re-reading, keeping the other write beside the file, then writing', async () => {
    let path = '';
    const fixture = await withConcurrentWrite(
      ({ method, path }) => method === 'POST' && /\/memories\/mem_[^/]+$/.test(path),
      ({ emulator, memoryStoreId }) =>
        emulator.memoryStore(memoryStoreId)?.write(path, 'Agent: the release slipped again', AGENT),
    );
    const { client, brain, bankId, memoryStoreId, files } = fixture;
    const old = await brain.retain('The release is on Tuesday.', { bankId });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    path = `/${bankId}/${old.memoryId}.md`;
    const next = await brain.retain('The release is on Thursday.', { bankId, supersedes: old.memoryId as string });

    fixture.arm();
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(conflicts(fixture)).toBe(1);
    expect(pushed).toMatchObject({ updated: 1, created: 0, deleted: 0 });
    const kept = pushed.keptEdits;
    expect(kept).toEqual([expect.stringMatching(new RegExp(`^/${bankId}/${next.memoryId}\\.edit-[0-9a-f]{12}\\.md$`))]);
    const stored = await files();
    expect(stored.get(`/${bankId}/${next.memoryId}.md`)).toContain('The release is on Thursday.');
    expect(stored.get(kept[0] as string)).toBe('Agent: the release slipped again');
    expect(stored.size).toBe(2);
    // The kept edit is not the bank's to delete or move: the next push leaves everything as it is.
    expect(await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId })).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 1,
    });
  });

  it('resolves a 409 on a create when another writer takes the path first, keeping both writes', async () => {
    let path = '';
    const fixture = await withConcurrentWrite(
      ({ method, path }) => method === 'POST' && path.endsWith('/memories'),
      ({ emulator, memoryStoreId }) =>
        emulator.memoryStore(memoryStoreId)?.write(path, 'Agent: draft of my own', AGENT),
    );
    const { client, brain, bankId, memoryStoreId, files } = fixture;
    const memory = await brain.retain('Desks are booked a day ahead.', { bankId });
    path = `/${bankId}/${memory.memoryId}.md`;
    fixture.arm();
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(conflicts(fixture)).toBe(1);
    expect(pushed).toMatchObject({ created: 0, updated: 1 });
    const stored = await files();
    expect(stored.get(path)).toContain('Desks are booked a day ahead.');
    expect(stored.get(pushed.keptEdits[0] as string)).toBe('Agent: draft of my own');
  });

  it("lets erasure win over a concurrent write to a forgotten memory's file: deleted, and no version keeps either text", async () => {
    let path = '';
    const fixture = await withConcurrentWrite(
      ({ method }) => method === 'DELETE',
      ({ emulator, memoryStoreId }) =>
        emulator.memoryStore(memoryStoreId)?.write(path, 'Agent: Ada said her PIN is 4455', AGENT),
    );
    const { client, brain, bankId, memoryStoreId, files, versionContents } = fixture;
    const memory = await brain.retain('Ada banks with Northwind.', { bankId });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    path = `/${bankId}/${memory.memoryId}.md`;
    await brain.forget(bankId, { memoryIds: [memory.memoryId as string] });
    fixture.arm();
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(conflicts(fixture)).toBe(1);
    expect(pushed).toMatchObject({ deleted: 1, redacted: 3, keptEdits: [] });
    expect((await files()).size).toBe(0);
    const versions = (await versionContents()).join('\n');
    expect(versions).not.toContain('Northwind');
    expect(versions).not.toContain('4455');
  });

  it('retries a write through a failed response, without writing twice when the store had applied it', async () => {
    const fixture = await start();
    const { client, brain, bankId, memoryStoreId, emulator, files } = fixture;
    const memory = await brain.retain('The lab opens at eight.', { bankId });
    await brain.retain('Visitors sign in at the desk.', { bankId });
    emulator.failRequests({ method: 'POST', path: /\/memories$/, status: 503, afterProcessing: true });
    emulator.failRequests({ method: 'POST', path: /\/memories$/, status: 429 });
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId, concurrency: 1 });
    expect(pushed.created + pushed.unchanged).toBe(2);
    expect((await files()).size).toBe(2);

    await brain.forget(bankId, { memoryIds: [memory.memoryId as string] });
    emulator.failRequests({ method: 'POST', path: /\/redact$/, status: 500 });
    expect(await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId })).toMatchObject({
      deleted: 1,
      redacted: 2,
    });
    expect(emulator.requests.filter((r) => r.status >= 500 || r.status === 429)).toHaveLength(3);
  });
});
