// Runs the real `astrocyte` bin as a child process, the way a user's shell does, for the CLI tests.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Brain, Memory } from '@astrocyte/core';

/** The launcher under test. */
const BIN = fileURLToPath(new URL('../bin/astrocyte.js', import.meta.url));

/**
 * Node's arguments that run the bin: on the build when every package's build is newer than its sources (CI builds
 * them before the tests, and the build is what users run; a child starts in a third of the time it takes through
 * tsx), else on the TypeScript sources, so that a stale build is never what a test sees.
 */
export const BIN_ARGS = buildIsFresh() ? [BIN] : ['--conditions=@astrocyte/source', BIN];

// Every package has a build, and each source file it compiled is older than its output: a source changed since (or
// a new file a changed one imports) leaves an output older than its source.
function buildIsFresh(): boolean {
  const packages = fileURLToPath(new URL('../..', import.meta.url));
  return readdirSync(packages).every((name) => {
    const [src, dist] = [join(packages, name, 'src'), join(packages, name, 'dist')];
    return (
      existsSync(dist) &&
      files(src, '.ts').every((file) => {
        const built = join(dist, relative(src, file).replace(/\.ts$/, '.js'));
        return !existsSync(built) || statSync(built).mtimeMs >= statSync(file).mtimeMs;
      })
    );
  });
}

function files(dir: string, ending: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(ending))
    .map((name) => join(dir, name));
}

/** What a run printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `astrocyte args…` in `cwd`, feeding `input` on stdin, and waits for it to exit. */
export function astrocyte(
  args: string[],
  options: { cwd: string; input?: string; env?: Record<string, string> },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // The developer's own settings must not leak into a test.
    const {
      ASTROCYTE_CONFIG: _config,
      ASTROCYTE_BANK: _bank,
      ASTROCYTE_PRINCIPAL: _principal,
      ASTROCYTE_ON_BEHALF_OF: _onBehalfOf,
      ...inherited
    } = process.env;
    const child = spawn(process.execPath, [...BIN_ARGS, ...args], {
      cwd: options.cwd,
      env: { ...inherited, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh folder holding an astrocyte.yaml for SQLite in ./memory.db, and the config's path. */
export function tempProject(extraYaml = ''): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'astrocyte-cli-'));
  const config = join(dir, 'astrocyte.yaml');
  writeFileSync(config, `storage:\n  backend: sqlite\n  sqlite:\n    path: ./memory.db\n${extraYaml}`);
  return { dir, config };
}

/** Every memory of a bank, page after page, oldest first. */
export async function everything(brain: Brain, bankId: string): Promise<Memory[]> {
  const all: Memory[] = [];
  let cursor: string | undefined;
  do {
    const page = await brain.list(bankId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
