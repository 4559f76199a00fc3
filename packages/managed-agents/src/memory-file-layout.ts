import type { Memory } from '@astrocyte/core';
import { describeValue, ValidationError } from '@astrocyte/core';

/** How a push lays out a bank's memories as files: `nested` under their path or first tag, or all `flat`. */
export type MemoryFileLayout = 'nested' | 'flat';

// The Managed Agents API's rules for a memory path (MemoryCreateParams.path in @anthropic-ai/sdk).
const MAX_PATH_BYTES = 1024;
const MAX_SEGMENTS = 20;
// A memory's file leaves room for the longer name of a kept edit beside it (keptEditPath).
const FILE_PATH_BYTES = MAX_PATH_BYTES - 32;
const FORBIDDEN = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const FORBIDDEN_ALL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const FILE_SUFFIX = '.md';

/**
 * A store path prefix as `/a/b/` (or `/` for the whole store): it starts with `/`, its segments follow the API's
 * rules, and it leaves room below it for a file. A missing trailing `/` is added.
 */
export function checkStorePrefix(prefix: unknown, field = 'pathPrefix'): string {
  if (typeof prefix !== 'string' || !prefix.startsWith('/'))
    throw new ValidationError(field, `must be a store path starting with "/", got ${describeValue(prefix)}`);
  const segments = prefix.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || FORBIDDEN.test(segment))
      throw new ValidationError(
        field,
        `has an empty, "." or ".." segment or a control or format character: ${JSON.stringify(prefix)}`,
      );
  }
  if (prefix.normalize('NFC') !== prefix) throw new ValidationError(field, 'must be in Unicode Normalization Form C');
  const normalized = segments.length === 0 ? '/' : `/${segments.join('/')}/`;
  if (segments.length > MAX_SEGMENTS - 1 || byteLength(normalized) > MAX_PATH_BYTES / 2)
    throw new ValidationError(field, `leaves no room for files: at most 19 segments and 512 bytes`);
  return normalized;
}

/** The prefix a push of `bankId` uses when none is given. */
export function defaultPushPrefix(bankId: string): string {
  return `/${bankId}/`;
}

/**
 * The file of a memory in the store: `<prefix><dirs>/<id>.md`, the dirs being the memory's path (else its first
 * tag) for the nested layout. Every file name ends in `.md` and no directory segment does, so no file's path is an
 * ancestor of another's, as the API requires. Deep paths lose their last directories until the path fits the
 * API's limits; null when even the bare file does not fit.
 */
export function memoryFilePath(memory: Memory, prefix: string, layout: MemoryFileLayout = 'nested'): string | null {
  // No "." in the name but its suffix's, so a kept edit's name never reads as another memory's.
  const file = `${encodeURIComponent(memory.id).replaceAll('.', '%2E')}${FILE_SUFFIX}`;
  const source = layout === 'flat' ? [] : memory.path ? memory.path.split('/') : memory.tags.slice(0, 1);
  const dirs = source.filter((segment) => segment.trim() !== '').map(directorySegment);
  const prefixSegments = prefix === '/' ? 0 : prefix.split('/').length - 2;
  while (dirs.length > 0) {
    const path = `${prefix}${[...dirs, file].join('/')}`;
    if (prefixSegments + dirs.length + 1 <= MAX_SEGMENTS && byteLength(path) <= FILE_PATH_BYTES) return path;
    dirs.pop();
  }
  const bare = `${prefix}${file}`;
  return byteLength(bare) <= FILE_PATH_BYTES ? bare : null;
}

/** The memory a file under `prefix` belongs to, and whether it is an edit a push kept beside the memory's file. */
export interface NamedFile {
  memoryId: string;
  keptEdit: boolean;
}

const KEPT_EDIT = /\.edit-[0-9a-f]{12}$/;

/** The memory id a file under `prefix` is named after, or null for a path no push lays out. */
export function memoryIdOfFile(path: string, prefix: string): NamedFile | null {
  if (!path.startsWith(prefix) || !path.endsWith(FILE_SUFFIX)) return null;
  const name = path.slice(path.lastIndexOf('/') + 1, -FILE_SUFFIX.length);
  const keptEdit = KEPT_EDIT.test(name);
  try {
    const memoryId = decodeURIComponent(keptEdit ? name.replace(KEPT_EDIT, '') : name);
    return memoryId.length > 0 && memoryId.length <= 128 ? { memoryId, keptEdit } : null;
  } catch {
    return null;
  }
}

/**
 * Where a push keeps another writer's content that it found in a memory's file: beside the file, named after the
 * content's hash, so the same content always lands at the same path and no push ever claims it as a memory's file.
 */
export function keptEditPath(filePath: string, contentSha256: string): string {
  return `${filePath.slice(0, -FILE_SUFFIX.length)}.edit-${contentSha256.slice(0, 12)}${FILE_SUFFIX}`;
}

/** The bank path of a store file pulled into a bank: the store path without its leading `/`. */
export function bankPathOfFile(path: string): string {
  return path.replace(/^\/+/, '');
}

// A directory segment the API accepts that can never be a file name: NFC, no control or format characters, not
// "." or "..", no "/" (a tag may hold one), and never ending in ".md".
function directorySegment(segment: string): string {
  let safe = segment.normalize('NFC').replace(FORBIDDEN_ALL, '_').replaceAll('/', '_');
  if (safe === '.' || safe === '..') safe = `_${safe}`;
  if (safe.endsWith(FILE_SUFFIX)) safe = `${safe}.d`;
  return safe;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
