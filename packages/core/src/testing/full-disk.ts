import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Brain, ConversationTurn } from '../types.js';

/** A small file system of its own, for tests of what a full disk does to a store. */
export interface SmallDisk {
  /** Where it is mounted. */
  path: string;
  /** Takes the disk's free space down to about `leaveBytes` with a file of zeros. */
  fill(leaveBytes: number): void;
  /** Deletes that file again. */
  free(): void;
  /** Unmounts the disk (lazily: a store a failed test left open still holds files there) and removes its folder. */
  remove(): void;
}

const required = process.env.CI === 'true';
const FILLER = 'filler';

/**
 * Mounts a tmpfs of `bytes` on a new folder, owned by the system user `owner` (default: this process's user). It
 * takes root (CAP_SYS_ADMIN): in CI (CI=true) a mount that fails is an error; elsewhere it is a loud warning and
 * null, and the caller skips its test.
 */
export function smallDisk(bytes: number, owner?: string): SmallDisk | null {
  const path = mkdtempSync(join(tmpdir(), 'astrocyte-small-disk-'));
  const ids = owner
    ? `,uid=${execFileSync('id', ['-u', owner]).toString().trim()},gid=${execFileSync('id', ['-g', owner]).toString().trim()}`
    : '';
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0777${ids}`, 'tmpfs', path], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    rmSync(path, { recursive: true, force: true });
    const reason = `cannot mount a tmpfs for the full-disk tests: ${(mounted.stderr || mounted.error?.message || '').trim()}`;
    if (required) throw new Error(`${reason} (required because CI=true; the tests run as root there)`);
    console.warn(
      `\n${'!'.repeat(100)}\n!! SKIPPING: ${reason}\n!! Run the tests as root to include them.\n${'!'.repeat(100)}\n`,
    );
    return null;
  }
  const filler = join(path, FILLER);
  return {
    path,
    fill(leaveBytes) {
      const { bavail, bsize } = statfsSync(path);
      writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - leaveBytes)), { flag: 'a' });
    },
    free() {
      rmSync(filler, { force: true });
    },
    remove() {
      spawnSync('umount', ['--lazy', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** A session's call of 20 turns; every turn's words and numbers its own, so that none is a duplicate of another. */
export function numberedCall(n: number): ConversationTurn[] {
  return Array.from({ length: 20 }, (_, i) => ({
    speaker: i % 2 ? 'agent' : 'user',
    text: `Remark ${n * 20 + i} of session call ${n}: the crate of apples costs ${n * 7 + i} euros at stall ${i}`,
  }));
}

/**
 * Appends numbered calls to the session `one` of bank `chat` from call `from` until one fails: how many calls were
 * stored (the failed one is `numberedCall(stored)`) and its error.
 */
export async function fillUntilFull(brain: Brain, from = 0): Promise<{ stored: number; failure: unknown }> {
  for (let stored = from; stored < 10_000; stored++) {
    try {
      await brain.retainConversation(numberedCall(stored), { bankId: 'chat', sessionId: 'one' });
    } catch (failure) {
      return { stored, failure };
    }
  }
  throw new Error('the store never filled');
}
