import type { StatsFs } from 'node:fs';
import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoreDescription } from '../memory-store.js';
import type { DiagnosisCheck } from './diagnose.js';

// Network file systems, by the magic number Linux's statfs gives them: SQLite's locks and its WAL's shared-memory
// file do not hold between machines there, so a file written from two can be corrupted.
const NETWORK_FILE_SYSTEMS = new Map<number, string>([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x01021997, '9p'],
  [0x5346414f, 'AFS'],
  [0x00c36400, 'Ceph'],
  [0x0bd00bd0, 'Lustre'],
]);

// Room beyond a copy of the file: `compact` (VACUUM) writes the copy, and the writes to come need space of their own.
const SPARE_BYTES = 256 * 1024 ** 2;

/**
 * The disk check of `diagnose`: a store in a file of this machine (SQLite) needs a local disk, and room on it for a
 * copy of the file and 256 MiB more. A database server's disk is not visible from here.
 */
export async function checkDisk(
  description: StoreDescription | undefined,
  configFile: string,
): Promise<DiagnosisCheck> {
  const check = 'disk';
  if (!description) return { check, status: 'skipped', summary: "needs the store's description" };
  const { file } = description;
  if (file === null) {
    return {
      check,
      status: 'ok',
      summary: `no file on this machine (${description.location}); watch a server's disk there`,
    };
  }
  let disk: StatsFs;
  let fileBytes: number;
  try {
    [disk, fileBytes] = await Promise.all([statfs(dirname(file)), stat(file).then((s) => s.size)]);
  } catch (error) {
    const summary = `cannot read the disk of ${file}: ${error instanceof Error ? error.message : String(error)}`;
    return { check, status: 'problem', summary, fix: `check that ${dirname(file)} exists and this user may read it` };
  }
  return judgeDisk(file, disk, fileBytes, configFile);
}

/** The verdict on the disk of a store's file, from its `statfs`; `platform` says how to read the file system's type. */
export function judgeDisk(
  file: string,
  disk: Pick<StatsFs, 'type' | 'bavail' | 'bsize'>,
  fileBytes: number,
  configFile: string,
  platform: NodeJS.Platform = process.platform,
): DiagnosisCheck {
  const check = 'disk';
  const network = platform === 'linux' ? NETWORK_FILE_SYSTEMS.get(disk.type) : undefined;
  if (network !== undefined) {
    return {
      check,
      status: 'problem',
      summary: `${file} is on a network file system (${network}), where SQLite's locks do not hold between machines`,
      fix: `move the file to a disk of this machine (storage.sqlite.path in ${configFile}), or use Postgres for a store that several machines share`,
    };
  }
  const free = disk.bavail * disk.bsize;
  const summary = `${bytes(free)} free on the disk of ${file}, a file of ${bytes(fileBytes)}`;
  if (free >= fileBytes + SPARE_BYTES) return { check, status: 'ok', summary };
  return {
    check,
    status: 'problem',
    summary,
    fix: `free space on that disk, or move the file to a larger one: keep room for a copy of the file (compact writes one) and 256 MiB more; a write that does not fit fails with storage_full`,
  };
}

function bytes(count: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
