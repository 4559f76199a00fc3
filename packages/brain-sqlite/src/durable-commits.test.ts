import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// What reaches the disk is seen by tracing the syscalls of a process that writes: strace (Linux).
const STRACE = '/usr/bin/strace';
const straceRequired = process.env.CI === 'true';
const hasStrace = existsSync(STRACE);
if (!hasStrace && !straceRequired) {
  console.warn(
    `\n*** WARNING: ${STRACE} not found; the SQLite durability test is SKIPPED. ` +
      'Install it with `apt-get install strace` (CI=true makes this a failure). ***\n',
  );
}

const WRITES = 20;
const dir = mkdtempSync(join(tmpdir(), 'astrocyte-durable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The syncs of the store's WAL while a process makes WRITES single inserts, one after another or all at once
 * (between two lines it writes to stderr: opening and closing sync on their own), how many its main thread made
 * besides SQLite's sync of a new WAL header, and whether one began after the last commit wrote to the WAL.
 */
function walSyncs(
  synchronous: 'full' | 'normal',
  at: 'one after another' | 'all at once',
): { syncs: number; onMainThread: number; headerSyncs: number; lastCommitSynced: boolean } {
  const name = `${synchronous}-${at.replaceAll(' ', '-')}`;
  const path = join(dir, `${name}.db`);
  const script = join(dir, `${name}.mts`);
  const trace = join(dir, `${name}.trace`);
  const store = fileURLToPath(new URL('./sqlite-memory-store.ts', import.meta.url));
  const records = fileURLToPath(new URL('../../core/src/testing/memory-records.ts', import.meta.url));
  writeFileSync(
    script,
    `import { openSqliteStore } from ${JSON.stringify(store)};
     import { axisVector, memoryRecord } from ${JSON.stringify(records)};
     const store = await openSqliteStore({ path: ${JSON.stringify(path)}, synchronous: '${synchronous}' });
     await store.ensureEmbedder({ name: 'axes', dimensions: 8 });
     process.stderr.write('writes begin\\n');
     const records = Array.from({ length: ${WRITES} }, (_, i) =>
       memoryRecord('notes', 'Fact number ' + i, { embedding: axisVector(8, i % 8), createdAt: new Date() }));
     const insert = (record) => store.insert([record], { nearDuplicateThreshold: null });
     if (${JSON.stringify(at)} === 'all at once') await Promise.all(records.map(insert));
     else for (const record of records) await insert(record);
     process.stderr.write('writes end\\n');
     await store.close();`,
  );
  const run = spawnSync(
    STRACE,
    [
      '-f',
      '-y',
      '-e',
      'trace=execve,write,pwrite64,fsync,fdatasync',
      '-o',
      trace,
      process.execPath,
      '--import',
      'tsx',
      '--conditions=@astrocyte/source',
      script,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  const traced = readFileSync(trace, 'utf8').split('\n');
  // The first execve is node's: its pid is the main thread's id.
  const main = traced.find((line) => line.includes('execve('))?.split(' ')[0];
  const from = traced.findIndex((line) => line.includes('"writes begin'));
  const to = traced.findIndex((line) => line.includes('"writes end'));
  expect(from).toBeGreaterThan(0);
  expect(to).toBeGreaterThan(from);
  const lines = traced.slice(from, to);
  // A call another thread interrupts is printed in two parts (`fsync(…> <unfinished ...>`, then its result).
  const isSync = (line: string) => /\b(fsync|fdatasync)\(\d+<[^>]*\.db-wal>/.test(line);
  const syncs = lines.filter(isSync);
  const lastCommit = lines.findLastIndex((line) => /\bpwrite64\(\d+<[^>]*\.db-wal>/.test(line));
  // The first commit after a checkpoint emptied the WAL starts it again from its 32-byte header, and SQLite (at
  // synchronous = NORMAL) syncs that header itself, on the committing thread: how often depends on when the
  // checkpoint thread catches up, so the test tells those syncs apart rather than counting them.
  const mainLines = lines.filter((line) => line.split(' ')[0] === main);
  const isHeader = (line: string | undefined) => /\bpwrite64\(\d+<[^>]*\.db-wal>, .*, 32, 0\) = 32$/.test(line ?? '');
  const onMain = mainLines.flatMap((line, i) => (isSync(line) ? [isHeader(mainLines[i - 1])] : []));
  return {
    syncs: syncs.length,
    onMainThread: onMain.filter((afterHeader) => !afterHeader).length,
    headerSyncs: onMain.filter((afterHeader) => afterHeader).length,
    lastCommitSynced: lastCommit >= 0 && lines.slice(lastCommit).some(isSync),
  };
}

describe.skipIf(!hasStrace && !straceRequired)('SQLite durability', () => {
  it('syncs the WAL once per write by default, off the main thread but for a restarted WAL header, and only at checkpoints with synchronous: normal', () => {
    if (!hasStrace) throw new Error(`${STRACE} is required for the durability test (apt-get install strace)`);
    const full = walSyncs('full', 'one after another');
    // Each write's commit reached the disk before the write resolved; the event loop waited for the disk only for
    // SQLite's own sync of a restarted WAL's header.
    expect(full).toEqual({
      syncs: expect.any(Number),
      onMainThread: 0,
      headerSyncs: expect.any(Number),
      lastCommitSynced: true,
    });
    expect(full.syncs).toBeGreaterThanOrEqual(WRITES);
    // The faster setting leaves it to the checkpoints, a handful for the whole run.
    const normal = walSyncs('normal', 'one after another');
    expect(normal.syncs).toBeLessThan(WRITES / 2);
  }, 120_000);

  it('shares a sync among writes that commit while one runs, the last commit synced too', () => {
    if (!hasStrace) throw new Error(`${STRACE} is required for the durability test (apt-get install strace)`);
    const together = walSyncs('full', 'all at once');
    expect(together).toEqual({
      syncs: expect.any(Number),
      onMainThread: 0,
      headerSyncs: expect.any(Number),
      lastCommitSynced: true,
    });
    expect(together.syncs).toBeGreaterThan(0);
    expect(together.syncs).toBeLessThan(WRITES);
  }, 120_000);
});
