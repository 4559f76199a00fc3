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

// A call another thread interrupts is printed in two parts (`fsync(…> <unfinished ...>`, then its result).
const isSync = (line: string) => /\b(fsync|fdatasync)\(\d+<[^>]*\.db-wal>/.test(line);
const isWalWrite = (line: string) => /\bpwrite64\(\d+<[^>]*\.db-wal>/.test(line);

/**
 * Runs `source` (a module) under strace and returns the calls its threads made between the lines 'writes begin' and
 * 'writes end' it writes to stderr, with the id of its main thread.
 */
function traced(name: string, source: string): { lines: string[]; main: string | undefined } {
  const script = join(dir, `${name}.mts`);
  const trace = join(dir, `${name}.trace`);
  writeFileSync(script, source);
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
  const lines = readFileSync(trace, 'utf8').split('\n');
  // The first execve is node's: its pid is the main thread's id.
  const main = lines.find((line) => line.includes('execve('))?.split(' ')[0];
  const from = lines.findIndex((line) => line.includes('"writes begin'));
  const to = lines.findIndex((line) => line.includes('"writes end'));
  expect(from).toBeGreaterThan(0);
  expect(to).toBeGreaterThan(from);
  return { lines: lines.slice(from, to), main };
}

const moduleUrl = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));

/**
 * The syncs of the store's WAL while a process makes WRITES single inserts, one after another or all at once
 * (opening and closing sync on their own, outside what is counted), how many its main thread made besides SQLite's
 * sync of a new WAL header, and whether one began after the last commit wrote to the WAL.
 */
function walSyncs(
  synchronous: 'full' | 'normal',
  at: 'one after another' | 'all at once',
): { syncs: number; onMainThread: number; headerSyncs: number; lastCommitSynced: boolean } {
  const name = `${synchronous}-${at.replaceAll(' ', '-')}`;
  const { lines, main } = traced(
    name,
    `import { openSqliteStore } from ${moduleUrl('./sqlite-memory-store.ts')};
     import { axisVector, memoryRecord } from ${moduleUrl('../../core/src/testing/memory-records.ts')};
     const store = await openSqliteStore({ path: ${JSON.stringify(join(dir, `${name}.db`))}, synchronous: '${synchronous}' });
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
  const isMain = (line: string) => line.split(' ')[0] === main;
  // The store commits on the main thread; its thread's merges of the keyword index also write the WAL, unsynced by
  // design (a merge lost is only done again), and under load one came after the last commit.
  const lastCommit = lines.findLastIndex((line) => isMain(line) && isWalWrite(line));
  // The first commit after a checkpoint emptied the WAL starts it again from its 32-byte header, and SQLite (at
  // synchronous = NORMAL) syncs that header itself, on the committing thread: how often depends on when the
  // checkpoint thread catches up, so the test tells those syncs apart rather than counting them.
  const mainLines = lines.filter(isMain);
  const isHeader = (line: string | undefined) => /\bpwrite64\(\d+<[^>]*\.db-wal>, .*, 32, 0\) = 32$/.test(line ?? '');
  const onMain = mainLines.flatMap((line, i) => (isSync(line) ? [isHeader(mainLines[i - 1])] : []));
  return {
    syncs: lines.filter(isSync).length,
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

  it('syncs the last of many writes made at once before it resolves, off the main thread', () => {
    if (!hasStrace) throw new Error(`${STRACE} is required for the durability test (apt-get install strace)`);
    const together = walSyncs('full', 'all at once');
    expect(together).toEqual({
      syncs: expect.any(Number),
      onMainThread: 0,
      headerSyncs: expect.any(Number),
      lastCommitSynced: true,
    });
    // How many commits share a sync depends on how fast the disk is against the commits (on a loaded machine each
    // commit took longer than a sync, and none was shared), and the checkpoint thread syncs the WAL too: the next
    // test shows the sharing itself.
    expect(together.syncs).toBeGreaterThan(0);
  }, 120_000);

  it('group commit: the commits made while a sync runs share the next one', () => {
    if (!hasStrace) throw new Error(`${STRACE} is required for the durability test (apt-get install strace)`);
    const wal = join(dir, 'group.db-wal');
    writeFileSync(wal, 'frames');
    const { lines } = traced(
      'group',
      `import { WalSync } from ${moduleUrl('./wal-sync.ts')};
       const sync = new WalSync(${JSON.stringify(wal)});
       await sync.afterCommit();
       process.stderr.write('writes begin\\n');
       await Promise.all(Array.from({ length: ${WRITES} }, () => sync.afterCommit()));
       await sync.afterCommit();
       process.stderr.write('writes end\\n');
       await sync.close();`,
    );
    // The first call's sync, one for the others (all made while it ran), and one for the call after both.
    expect(lines.filter(isSync)).toHaveLength(3);
  }, 60_000);
});
