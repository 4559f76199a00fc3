import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDisk, judgeDisk } from './disk-check.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-disk-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NFS = 0x6969;

describe('the disk check of diagnose', () => {
  it('refuses a store file on a network file system, by the type Linux gives it', () => {
    const file = join(dir, 'memory.db');
    const local = statfsSync(dir);
    const onNfs = judgeDisk(file, { ...local, type: NFS }, 4096, '/srv/agent/astrocyte.yaml', 'linux');
    expect(onNfs).toEqual({
      check: 'disk',
      status: 'problem',
      summary: `${file} is on a network file system (NFS), where SQLite's locks do not hold between machines`,
      fix: 'move the file to a disk of this machine (storage.sqlite.path in /srv/agent/astrocyte.yaml), or use Postgres for a store that several machines share',
    });
    // Other systems number their file systems otherwise: there the number means nothing.
    expect(judgeDisk(file, { ...local, type: NFS }, 4096, 'astrocyte.yaml', 'darwin').status).not.toBe('problem');
  });

  it('wants room for a copy of the file and 256 MiB more', () => {
    const file = join(dir, 'memory.db');
    const disk = { type: 0xef53, bsize: 4096, bavail: (300 * 1024 ** 2) / 4096 };
    expect(judgeDisk(file, disk, 40 * 1024 ** 2, 'astrocyte.yaml', 'linux')).toEqual({
      check: 'disk',
      status: 'ok',
      summary: `300.0 MiB free on the disk of ${file}, a file of 40.0 MiB`,
    });
    expect(judgeDisk(file, disk, 50 * 1024 ** 2, 'astrocyte.yaml', 'linux')).toMatchObject({
      status: 'problem',
      summary: `300.0 MiB free on the disk of ${file}, a file of 50.0 MiB`,
      fix: expect.stringContaining('keep room for a copy of the file (compact writes one) and 256 MiB more'),
    });
  });

  it("reads a real file's disk, and says a server's is watched on the server", async () => {
    const file = join(dir, 'real.db');
    writeFileSync(file, Buffer.alloc(8192));
    const description = {
      engine: { name: 'SQLite', version: '3' },
      location: file,
      file,
      vectorExtension: null,
      schemaVersion: null,
      embedder: null,
      counts: { memories: 0, banks: 0 },
    };
    expect((await checkDisk(description, 'astrocyte.yaml')).summary).toMatch(
      new RegExp(`^\\d+\\.\\d [KMGT]iB free on the disk of ${file}, a file of 8\\.0 KiB$`),
    );
    const server = { ...description, location: '127.0.0.1:5432/app, schema astrocyte', file: null };
    expect(await checkDisk(server, 'astrocyte.yaml')).toEqual({
      check: 'disk',
      status: 'ok',
      summary: "no file on this machine (127.0.0.1:5432/app, schema astrocyte); watch a server's disk there",
    });
    expect(await checkDisk({ ...description, file: join(dir, 'gone', 'x.db') }, 'astrocyte.yaml')).toMatchObject({
      status: 'problem',
      fix: `check that ${join(dir, 'gone')} exists and this user may read it`,
    });
  });
});
