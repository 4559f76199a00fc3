import { describe, expect, it } from 'vitest';
import { lostKey, PROTOTYPE_KEY_REASON } from './lost-keys.js';

describe('lostKey', () => {
  it('finds no duplicate in what JSON.stringify writes, whatever the strings hold', () => {
    const values: unknown[] = [
      { content: 'a "quoted" {brace} [bracket], comma: colon \\ backslash', tags: ['a', 'a'] },
      { a: { a: { a: 1 } }, b: [{ a: 1 }, { a: 2 }, [{ a: 3 }]], '': 0, '\\': 1, '"': 2, 'a"': 3 },
      [{ x: 1 }, { x: 2 }],
      {
        turns: [
          { speaker: 'Ann', text: 'é 日本 😀 \u2028 \n \t' },
          { speaker: 'Bob', text: '\\"' },
        ],
      },
      'just a string',
      42,
      null,
      { key: 'value', value: 'key', 'key\\': 'x' },
    ];
    // And random values, with keys of the characters JSON escapes.
    const alphabet = ['a', 'b', '"', '\\', '{', ':', ',', ' ', 'é', '\n'];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const text = () => Array.from({ length: random(4) }, () => alphabet[random(alphabet.length)]).join('');
    const value = (depth: number): unknown => {
      const kind = depth > 3 ? random(3) : random(5);
      if (kind === 0) return text();
      if (kind === 1) return random(100) - 50;
      if (kind === 2) return null;
      if (kind === 3) return Array.from({ length: random(4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: random(5) }, () => [text(), value(depth + 1)]));
    };
    for (let n = 0; n < 300; n++) values.push(value(0));
    for (const value of values) {
      expect(lostKey(JSON.stringify(value))).toBeNull();
      expect(lostKey(JSON.stringify(value, null, 2))).toBeNull();
    }
  });

  it('names a key given twice by its path, as JSON reads the key', () => {
    expect(lostKey('{"content":"a","content":"b"}')?.path).toBe('content');
    expect(lostKey('{ "content" : "a" ,\n "tags": [], "content": "b" }')?.path).toBe('content');
    expect(lostKey('{"turns":[{"speaker":"A","text":"x"},{"speaker":"B","speaker":"C"}]}')?.path).toBe(
      'turns.1.speaker',
    );
    expect(lostKey('{"metadata":{"owner":{"name":"a","name":"b"}}}')?.path).toBe('metadata.owner.name');
    expect(lostKey('{"a":1,"\\u0061":2}')?.path).toBe('a');
    expect(lostKey('{"q\\"":1,"q\\u0022":2}')?.path).toBe('q"');
    expect(lostKey('[[1,2],{"b":{"c":"}"},"b":0}]')?.path).toBe('1.b');
  });
});

describe('lostKey, of a __proto__ key', () => {
  it('names the first __proto__ key JSON gives, at any depth, and only a key', () => {
    expect(lostKey('{"a":1,"__proto__":{"x":1}}')).toEqual({ path: '__proto__', reason: PROTOTYPE_KEY_REASON });
    expect(lostKey('{"turns":[{"text":"t"},{"metadata":{"__proto__":null}}]}')?.path).toBe(
      'turns.1.metadata.__proto__',
    );
    expect(lostKey('{"a":{"__pro\\u0074o__":1}}')?.path).toBe('a.__proto__');
    expect(lostKey('{"text":"__proto__","tags":["__proto__"],"constructor":{"prototype":1}}')).toBe(null);
    // Iterative: nesting that would overflow a recursive walk.
    const deep = `${'['.repeat(100_000)}{"__proto__":1}${']'.repeat(100_000)}`;
    expect(lostKey(deep)?.path).toBe(`${'0.'.repeat(100_000)}__proto__`);
  });

  it('ends on text that is not JSON, a string never closed included, instead of scanning it again forever', () => {
    expect(lostKey('{"content":"no end')).toBe(null);
    expect(lostKey('{"a":1,"a":"x\\"')?.path).toBe('a');
  });
});
