// An open object (its keys so far, whether a key comes next, the last key read) or array (the index of its item).
type Open = { keys: Set<string>; keyNext: boolean; key: string } | { index: number };

/**
 * Where `text`, which must be valid JSON, gives a key twice in one object (JSON.parse keeps the last and drops the
 * other without a word): its path as the HTTP API names fields, `content` or `turns.1.speaker`. Null when each
 * object's keys are distinct. Keys are compared as JSON reads them (`"a"` and `"\u0061"` are one key).
 */
export function duplicateKeyPath(text: string): string | null {
  const open: Open[] = [];
  for (let i = 0; i < text.length; i++) {
    const top = open.at(-1);
    switch (text[i]) {
      case '{':
        open.push({ keys: new Set(), keyNext: true, key: '' });
        break;
      case '[':
        open.push({ index: 0 });
        break;
      case '}':
      case ']':
        open.pop();
        break;
      case ',':
        if (top && 'keys' in top) top.keyNext = true;
        else if (top) top.index += 1;
        break;
      case ':':
        if (top && 'keys' in top) top.keyNext = false;
        break;
      case '"': {
        const end = closingQuote(text, i);
        if (top && 'keys' in top && top.keyNext) {
          const raw = text.slice(i + 1, end);
          const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
          top.key = key;
          if (top.keys.has(key)) return pathOf(open);
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
    while (text[quote - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
}

function pathOf(open: Open[]): string {
  return open.map((level) => ('keys' in level ? level.key : String(level.index))).join('.');
}
