import { Readable } from 'node:stream';

/** The formats `astrocyte import` reads. */
export const IMPORT_FORMATS = ['memories', 'conversation-jsonl', 'locomo'] as const;

/** One of `IMPORT_FORMATS`. */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/**
 * Tells the format from the first line that is not blank, by what only that format has: a list, or an object
 * with `conversation`, is LoCoMo (so is a lone `{`, the start of a pretty-printed sample); an object with
 * `session` is conversation JSON Lines; anything else is the memories format, whose import names any bad line.
 */
export function formatOfFirstLine(line: string): ImportFormat {
  const trimmed = line.trim();
  if (trimmed.startsWith('[') || trimmed === '{') return 'locomo';
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return 'memories';
  }
  if (typeof value !== 'object' || value === null) return 'memories';
  if ('conversation' in value) return 'locomo';
  return 'session' in value ? 'conversation-jsonl' : 'memories';
}

/**
 * Whether a first line read as the memories format may instead open one JSON document spread over lines (a LoCoMo
 * sample written with its keys on lines of their own): it starts an object and is not JSON alone.
 */
export function mayOpenJsonDocument(line: string): boolean {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return false;
  try {
    JSON.parse(trimmed);
    return false;
  } catch {
    return true;
  }
}

/**
 * Reads `input` up to its first line that is not blank, without losing anything: the returned stream gives the
 * whole input again, from its first byte. Reading stops after `maxBytes`, so that a line of any length is never held
 * whole: the line is then its start, enough to see a LoCoMo list's `[`; any other line that long is too long to
 * import.
 */
export async function peekFirstLine(
  input: Readable,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<{ line: string; input: Readable }> {
  const iterator = input[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let seenBytes = 0;
  let line: string | undefined;
  while (line === undefined && seenBytes <= maxBytes) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : (next.value as Buffer);
    seen.push(chunk);
    seenBytes += chunk.length;
    if (!chunk.includes(10)) continue;
    const text = Buffer.concat(seen).toString('utf8').trimStart();
    const end = text.indexOf('\n');
    if (end >= 0) line = text.slice(0, end);
  }
  line ??= Buffer.concat(seen).toString('utf8').trim().split('\n')[0] ?? '';
  async function* replay() {
    yield* seen;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { line, input: Readable.from(replay(), { objectMode: false }) };
}
