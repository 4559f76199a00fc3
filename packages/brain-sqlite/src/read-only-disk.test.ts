import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { smallDisk } from '@astrocyte/core/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';

// A real read-only disk: a tmpfs remounted read-only (root, as smallDisk needs; elsewhere it skips loudly).
function remountReadOnly(path: string): void {
  const remounted = spawnSync('mount', ['-o', 'remount,ro', path], { encoding: 'utf8' });
  if (remounted.status !== 0) throw new Error(`cannot remount ${path} read-only: ${remounted.stderr}`);
}

describe('a SQLite store on a disk it may not write', () => {
  it('refuses to open it, or to create a store there, with storage_permission_denied, keeping what is there', async () => {
    const disk = smallDisk(16 * 1024 * 1024);
    if (disk === null) return;
    try {
      const path = join(disk.path, 'memory.db');
      const brain = await createSqliteBrain({ path });
      await brain.retain('The boiler was serviced in May', { bankId: 'house' });
      await brain.close();
      remountReadOnly(disk.path);
      // Opening in WAL mode creates the -shm file beside the database: on a read-only disk the open is refused.
      await expect(createSqliteBrain({ path })).rejects.toMatchObject({
        code: 'storage_permission_denied',
        details: { operation: 'open', sqliteCode: 'SQLITE_CANTOPEN' },
        message: expect.stringContaining('this process may not write the file, its folder or its disk'),
      });
      await expect(createSqliteBrain({ path: join(disk.path, 'new', 'memory.db') })).rejects.toMatchObject({
        code: 'storage_permission_denied',
        message: expect.stringContaining('check that this user may create and write files in its folder'),
      });
      spawnSync('mount', ['-o', 'remount,rw', disk.path]);
      // A connection the application opened read-only: a write is refused as such.
      const readOnly = new Database(path, { readonly: true });
      const refused = await createSqliteBrain({ database: readOnly })
        .then((brain) => brain.retain('The gutter needs clearing', { bankId: 'house' }))
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'storage_read_only', message: expect.stringContaining('read-only') });
      readOnly.close();
      const again = await createSqliteBrain({ path });
      expect((await again.list('house')).items.map((m) => m.text)).toEqual(['The boiler was serviced in May']);
      await again.close();
    } finally {
      disk.remove();
    }
  });
});
