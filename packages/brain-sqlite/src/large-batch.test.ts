import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-large-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a large retainMany on SQLite', () => {
  it('keeps the event loop answering, and stays one transaction nobody sees half of', {
    timeout: 120_000,
  }, async () => {
    const path = join(dir, 'large.db');
    const brain = await createSqliteBrain({ path });
    const other = new Database(path, { readonly: true });
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      content: `Note ${i}: the team agreed to ship feature ${i % 97} after review ${i * 7} of project ${i % 13}`,
    }));
    // What a server would see: a timer due every 50 ms, and what another connection and the brain itself can read.
    let last = performance.now();
    let longestGap = 0;
    const seenByOthers = new Set<number>();
    const seenByBrain: Promise<number>[] = [];
    const writtenMeanwhile: Promise<unknown>[] = [];
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      seenByOthers.add(other.prepare("SELECT count(*) FROM memories WHERE bank_id = 'notes'").pluck().get() as number);
      seenByBrain.push(brain.banks().then((banks) => banks.find((b) => b.bankId === 'notes')?.memoryCount ?? 0));
      if (writtenMeanwhile.length < 3)
        writtenMeanwhile.push(
          brain.retain(`Written while the batch runs, number ${writtenMeanwhile.length}`, { bankId: 'side' }),
        );
    }, 50);
    try {
      const results = await brain.retainMany(items, { bankId: 'notes' });
      longestGap = Math.max(longestGap, performance.now() - last);
      expect(results.filter((r) => r.stored)).toHaveLength(10_000);
      // The old pipeline held the event loop for the whole batch, seconds on end.
      expect(longestGap).toBeLessThan(1000);
      expect(seenByBrain.length).toBeGreaterThan(10);
      expect([...seenByOthers].every((n) => n === 0 || n === 10_000)).toBe(true);
      expect((await Promise.all(seenByBrain)).every((n) => n === 0 || n === 10_000)).toBe(true);
      // Writes that arrive meanwhile go through, before or after the batch's transaction, never inside it.
      expect(await Promise.all(writtenMeanwhile)).toEqual(Array(3).fill(expect.objectContaining({ stored: true })));
    } finally {
      clearInterval(timer);
      other.close();
      await brain.close();
    }
  });
});
