import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a SQLite file that is not a database, or is damaged', () => {
  it('refuses to open a file that is not a database with storage_corrupt, and leaves it as it was', async () => {
    const path = join(dir, 'notes.db');
    const text = 'Shopping: eggs, flour, the good olive oil\n';
    writeFileSync(path, text);
    await expect(createSqliteBrain({ path })).rejects.toMatchObject({
      code: 'storage_corrupt',
      message: expect.stringContaining('the file is not a SQLite database, or is damaged'),
      details: { operation: 'open', sqliteCode: 'SQLITE_NOTADB' },
    });
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('answers a read of a damaged page with storage_corrupt, and writes nothing to the file', async () => {
    const path = join(dir, 'damaged.db');
    const brain = await createSqliteBrain({ path });
    for (let i = 0; i < 300; i++) {
      await brain.retain(`Order ${i}: ${i + 2} crates of pears for the shop on ${i % 7 === 0 ? 'Monday' : 'Friday'}`, {
        bankId: 'orders',
      });
    }
    await brain.close();
    // The second half of the file overwritten (a disk that lost writes, a copy cut short and padded): the store
    // opens, as its schema and settings are in the first pages, and the first read of a damaged page fails.
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    const pages = bytes.length / pageSize;
    bytes.fill(0xa5, Math.ceil(pages / 2) * pageSize);
    writeFileSync(path, bytes);
    const damaged = await createSqliteBrain({ path });
    try {
      await expect(damaged.recall('pears on Monday', { bankId: 'orders' })).rejects.toMatchObject({
        code: 'storage_corrupt',
        details: { sqliteCode: 'SQLITE_CORRUPT' },
      });
      await expect(damaged.retain('Order 300: one crate of quinces', { bankId: 'orders' })).rejects.toMatchObject({
        code: 'storage_corrupt',
      });
    } finally {
      await damaged.close().catch(() => undefined);
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });
});
