import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { axisVector, memoryRecord } from '@astrocyte/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-memory-store.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoints of a store in a file', () => {
  it('copies small commits back into the database file soon after, while the store stays open', async () => {
    const path = join(dir, 'small-commits.db');
    const store = await openSqliteStore({ path });
    await store.ensureEmbedder({ name: 'test', dimensions: 8 });
    const before = statSync(path).size;
    // Twenty single inserts write far fewer than the 1,000 pages after which SQLite would checkpoint on its own.
    for (let i = 0; i < 20; i++)
      await store.insert(
        [memoryRecord('bank', `note ${i}`, { embedding: axisVector(8, i % 8), createdAt: new Date() })],
        {
          nearDuplicateThreshold: null,
        },
      );
    let size = statSync(path).size;
    for (let waited = 0; size === before && waited < 5000; waited += 50) {
      await sleep(50);
      size = statSync(path).size;
    }
    expect(size).toBeGreaterThan(before);
    await store.close();
  });
});
