import { invalidRequest } from './emulator-ids.js';

/** The SDK's limits on a memory's path (`MemoryCreateParams.path`, SDK 1.13). */
const MAX_PATH_BYTES = 1024;
const MAX_SEGMENTS = 20;
/** Control and format characters and the line and paragraph separators, which a path may not contain. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** Throws 400 unless `path` is a memory path the platform accepts; returns it. */
export function checkMemoryPath(path: unknown, field = 'path'): string {
  if (typeof path !== 'string') throw invalidRequest(`${field}: must be a string`);
  const reason = pathProblem(path);
  if (reason) throw invalidRequest(`${field}: ${reason} (got ${JSON.stringify(path.slice(0, 80))})`);
  return path;
}

function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with /';
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return `must be at most ${MAX_PATH_BYTES} bytes`;
  if (FORBIDDEN.test(path)) return 'must not contain control or format characters';
  if (path.normalize('NFC') !== path) return 'must be in Unicode Normalization Form C';
  const segments = path.slice(1).split('/');
  if (segments.length > MAX_SEGMENTS) return `must have at most ${MAX_SEGMENTS} segments`;
  if (segments.some((segment) => segment === '')) return 'segments must not be empty';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'segments must not be . or ..';
  return undefined;
}

/** Throws 400 unless `prefix` is a `path_prefix` (starts and ends with `/`); returns it. */
export function checkPathPrefix(prefix: string): string {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw invalidRequest('path_prefix: must start and end with /');
  return prefix;
}

/** Two paths overlap when they are equal or one is an ancestor of the other (`/notes` and `/notes/todo.md`). */
export function pathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * What `memories.list` returns for a path below `prefix` at `depth`: the path itself when it lies within `depth`
 * segments of the prefix (or `depth` is 0), else the `memory_prefix` it rolls up into (with a trailing `/`).
 */
export function listedPath(path: string, prefix: string, depth: number): { path: string; rolledUp: boolean } {
  const below = path.slice(prefix.length).split('/');
  if (depth === 0 || below.length <= depth) return { path, rolledUp: false };
  return { path: `${prefix}${below.slice(0, depth).join('/')}/`, rolledUp: true };
}

/**
 * The directory a store is mounted at under `/mnt/memory/`: its name lowercased, every run of characters other than
 * ASCII letters and digits made one hyphen (the SDK's `MemoryStoreCreateParams.name`); hyphens at either end are
 * dropped, and a name with no letter or digit mounts as `memory-store`.
 */
export function mountSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'memory-store' : slug;
}
