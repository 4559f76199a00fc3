import { ValidationError } from './errors.js';

// An open object (its keys so far, the last one, whether a key comes next) or array (the index of its item).
type Open = { keys: Set<string>; last: string; keyNext: boolean } | { index: number };

/**
 * Where `text`, which must be valid JSON, gives a key twice in one object (JSON.parse keeps the last and drops the
 * other without a word): its path, `content` or `turns.1.speaker` (array items by their index). Null when each
 * object's keys are distinct. Keys are compared as JSON reads them (`"a"` and `"\u0061"` are one key). One pass, the
 * strings skipped by `indexOf`: 19 to 21 ms for a conversation of 20,000 turns (2.4 MB; 53 ms the first time, before
 * it is compiled; JSON.parse 6 to 13 ms), 0.1 ms for a text of 3 MB.
 */
export function duplicateKeyPath(text: string): string | null {
  const open: Open[] = [];
  let top: Open | undefined;
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case 0x7b: // {
        top = { keys: new Set(), last: '', keyNext: true };
        open.push(top);
        break;
      case 0x5b: // [
        top = { index: 0 };
        open.push(top);
        break;
      case 0x7d: // }
      case 0x5d: // ]
        open.pop();
        top = open.at(-1);
        break;
      case 0x2c: // ,
        if (top && 'keys' in top) top.keyNext = true;
        else if (top) top.index += 1;
        break;
      case 0x3a: // :
        if (top && 'keys' in top) top.keyNext = false;
        break;
      case 0x22: {
        // "
        const end = closingQuote(text, i);
        if (top && 'keys' in top && top.keyNext) {
          const raw = text.slice(i + 1, end);
          const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
          top.last = key;
          if (top.keys.has(key)) return open.map((level) => ('keys' in level ? level.last : level.index)).join('.');
          top.keys.add(key);
        }
        i = end;
        break;
      }
    }
  }
  return null;
}

// The index of the quote that closes the string opening at `start`: the next one not escaped by a backslash.
function closingQuote(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
}

/**
 * A key given twice in `text` (valid JSON) as the ValidationError that names it by its path, or null: `content: is
 * given more than once in the body; give each key once`, `where` saying where the JSON came from.
 */
export function duplicateKeyError(text: string, where?: string): ValidationError | null {
  const path = duplicateKeyPath(text);
  return path === null
    ? null
    : new ValidationError(path, `is given more than once${where ? ` ${where}` : ''}; give each key once`);
}

/** Why a `__proto__` key is refused, wherever JSON gives one. */
export const PROTOTYPE_KEY_REASON =
  'is a key JavaScript takes for the prototype of its object (an object copied key by key drops it); rename it';

// A value with the key it sits at and its parent's entry: a path is put together only for the key found, as copying
// it at every level would cost the square of the depth.
type Entry = { value: unknown; key: string; parent: Entry | null };

/**
 * The path of the first `__proto__` key in a value JSON.parse returned (it makes it an own key; an object built from
 * it key by key, as schema validators do, sets its prototype instead and loses the key), or null. Iterative: a
 * deeply nested body cannot exhaust the stack.
 */
export function prototypeKeyPath(value: unknown): string | null {
  const pending: Entry[] = [{ value, key: '', parent: null }];
  for (let entry = pending.pop(); entry; entry = pending.pop()) {
    if (typeof entry.value !== 'object' || entry.value === null) continue;
    for (const [key, child] of Object.entries(entry.value)) {
      const next: Entry = { value: child, key, parent: entry };
      if (key === '__proto__' && !Array.isArray(entry.value)) return pathOf(next);
      pending.push(next);
    }
  }
  return null;
}

function pathOf(entry: Entry): string {
  const keys: string[] = [];
  for (let at: Entry | null = entry; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}
