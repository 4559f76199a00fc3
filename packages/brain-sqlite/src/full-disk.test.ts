import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Astrocyte, StorageError } from '@astrocyte/core';
import { numberedCall as call, fillUntilFull, smallDisk } from '@astrocyte/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-full-'));
const disk = smallDisk(8 * 1024 * 1024);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  disk?.remove();
});

const facts = Array.from({ length: 20 }, (_, i) => ({
  content: `Fact ${i}: the office on floor ${i + 3} opens at ${i + 7} o'clock`,
}));

async function memoryCount(brain: Astrocyte, bankId: string): Promise<number> {
  return (await brain.banks()).find((b) => b.bankId === bankId)?.memoryCount ?? 0;
}

async function found(brain: Astrocyte, text: string, bankId = 'chat'): Promise<boolean> {
  const { hits } = await brain.recall(text, { bankId, maxResults: 5 });
  return hits.some((hit) => hit.text === text);
}

describe('a SQLite store that runs out of room', () => {
  it('refuses the write that does not fit with storage_full, keeps everything before it, and stores it once there is room', async () => {
    const database = new Database(join(dir, 'limited.db'));
    const brain = await createSqliteBrain({ database });
    try {
      // SQLite's own size limit on the file: the same SQLITE_FULL as a full disk, without needing one.
      const pages = database.pragma('page_count', { simple: true }) as number;
      database.pragma(`max_page_count = ${pages + 80}`);
      await brain.retainMany(facts.slice(0, 10), { bankId: 'facts' });
      const { stored: calls, failure } = await fillUntilFull(brain);
      expect(calls).toBeGreaterThan(0);
      expect(failure).toBeInstanceOf(StorageError);
      expect(failure).toMatchObject({
        code: 'storage_full',
        details: { operation: 'insert', sqliteCode: 'SQLITE_FULL' },
      });
      expect((failure as Error).message).toMatch(/full.*free space/);
      await expect(brain.retainMany(facts.slice(10), { bankId: 'facts' })).rejects.toMatchObject({
        code: 'storage_full',
      });

      // Nothing of the calls that failed; everything acknowledged before them, and reads go on.
      expect(await memoryCount(brain, 'chat')).toBe(calls * 20);
      expect(await memoryCount(brain, 'facts')).toBe(10);
      expect(await found(brain, call(calls)[0]?.text as string)).toBe(false);
      expect(await found(brain, call(0)[0]?.text as string)).toBe(true);

      // With room again, the same writes are stored, none taken for a duplicate of what was rolled back (the keyword
      // and candidate indexes in memory followed the rollback), and the session goes on where it stopped.
      database.pragma('max_page_count = 1073741823');
      const turns = await brain.retainConversation(call(calls), { bankId: 'chat', sessionId: 'one' });
      expect(turns.every((r) => r.stored && !r.deduplicated)).toBe(true);
      const stored = await brain.retainMany(facts.slice(10), { bankId: 'facts' });
      expect(stored.every((r) => r.stored && !r.deduplicated)).toBe(true);
      expect(await memoryCount(brain, 'chat')).toBe((calls + 1) * 20);
      expect(await found(brain, call(calls)[0]?.text as string)).toBe(true);
      expect(await found(brain, facts[15]?.content as string, 'facts')).toBe(true);
      const { hits } = await brain.recall(call(calls)[0]?.text as string, { bankId: 'chat', maxResults: 1 });
      const [first] = await brain
        .recall(call(calls - 1)[19]?.text as string, { bankId: 'chat', maxResults: 1 })
        .then((r) => r.hits);
      expect(hits[0]?.episode?.position).toBe((first?.episode?.position ?? Number.NaN) + 1);
    } finally {
      await brain.close();
      database.close();
    }
  });

  it.runIf(disk)('keeps every acknowledged write through a full disk, a close and a reopen', async () => {
    const small = disk as NonNullable<typeof disk>;
    const path = join(small.path, 'full.db');
    let brain = await createSqliteBrain({ path });
    let calls = 0;
    try {
      small.fill(2 * 1024 * 1024);
      const filled = await fillUntilFull(brain);
      calls = filled.stored;
      expect(calls).toBeGreaterThan(0);
      expect(filled.failure).toMatchObject({ code: 'storage_full', details: { sqliteCode: 'SQLITE_FULL' } });
    } finally {
      // The last connection's checkpoint cannot grow the file now: what it could not copy stays in the WAL.
      await brain.close();
    }
    brain = await createSqliteBrain({ path });
    try {
      expect(await memoryCount(brain, 'chat')).toBe(calls * 20);
      expect(await found(brain, call(calls - 1)[19]?.text as string)).toBe(true);
      small.free();
      const again = await brain.retainConversation(call(calls), { bankId: 'chat', sessionId: 'one' });
      expect(again.every((r) => r.stored)).toBe(true);
    } finally {
      await brain.close();
    }
    brain = await createSqliteBrain({ path });
    try {
      expect(await memoryCount(brain, 'chat')).toBe((calls + 1) * 20);
    } finally {
      await brain.close();
    }
  });
});
