import { ValidationError } from './errors.js';

// An open object (its keys so far, the last one, whether a key comes next) or array (the index of its item).
type Open = { keys: Set<string>; last: string; keyNext: boolean } | { index: number };

/** Why a `__proto__` key is refused, wherever JSON gives one. */
export const PROTOTYPE_KEY_REASON =
  'is a key JavaScript takes for the prototype of its object (an object copied key by key drops it); rename it';

/** A key of a JSON text that its reader would lose, by its path, and why. */
export interface LostKey {
  path: string;
  reason: string;
}

/**
 * The first key `text` (valid JSON) gives that its reader would lose without a word, by its path (`content`,
 * `turns.1.speaker`; array items by their index), or null: a key given twice in one object (JSON.parse keeps the
 * last), or a `__proto__` key (JSON.parse makes it an own key; an object built from it key by key, as schema
 * validators do, sets its prototype instead). `where` says where the JSON came from (`in the body`). Keys are compared
 * as JSON reads them (`"a"` and `"\u0061"` are one key). One pass, the strings skipped by `indexOf`: 19 to 21 ms for a
 * conversation of 20,000 turns (2.4 MB; 53 ms the first time, before it is compiled; JSON.parse 6 to 13 ms), 0.1 ms
 * for a text of 3 MB; iterative, so no nesting exhausts the stack.
 */
export function lostKey(text: string, where?: string): LostKey | null {
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
          if (key === '__proto__') return { path: pathOf(open), reason: PROTOTYPE_KEY_REASON };
          if (top.keys.has(key))
            return {
              path: pathOf(open),
              reason: `is given more than once${where ? ` ${where}` : ''}; give each key once`,
            };
          top.keys.add(key);
        }
        i = end;
        break;
      }
    }
  }
  return null;
}

// The path of the key or item the scan is at: each open object's last key, each open array's item index.
function pathOf(open: Open[]): string {
  return open.map((level) => ('keys' in level ? level.last : level.index)).join('.');
}

// The index of the quote that closes the string opening at `start`: the next one not escaped by a backslash; the
// text's end for a string never closed (text that is not JSON ends the scan instead of restarting it).
function closingQuote(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  for (;;) {
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
}

/** The key of `text` its reader would lose (see lostKey) as the ValidationError that names it by its path, or null. */
export function lostKeyError(text: string, where?: string): ValidationError | null {
  const lost = lostKey(text, where);
  return lost && new ValidationError(lost.path, lost.reason);
}
