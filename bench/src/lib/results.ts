import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.js';

/** bench/results, next to this package's src. */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results');

/**
 * Writes `data` with the machine description and a timestamp to `bench/results/<name>-<time>.json` and to
 * `<name>-latest.json`; returns the timestamped path.
 */
export function writeResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const at = new Date();
  const body = `${JSON.stringify({ benchmark: name, at: at.toISOString(), machine: machineInfo(), ...(data as object) }, null, 2)}\n`;
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const path = join(RESULTS_DIR, `${name}-${stamp}.json`);
  writeFileSync(path, body);
  writeFileSync(join(RESULTS_DIR, `${name}-latest.json`), body);
  process.stdout.write(`\nResults written to ${relative(process.cwd(), path) || path}\n`);
  return path;
}
