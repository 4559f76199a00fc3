import { describe, expect, it } from 'vitest';
import { duplicateKeyPath, prototypeKeyPath } from './duplicate-keys.js';

describe('duplicateKeyPath', () => {
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
      expect(duplicateKeyPath(JSON.stringify(value))).toBeNull();
      expect(duplicateKeyPath(JSON.stringify(value, null, 2))).toBeNull();
    }
  });

  it('names a key given twice by its path, as JSON reads the key', () => {
    expect(duplicateKeyPath('{"content":"a","content":"b"}')).toBe('content');
    expect(duplicateKeyPath('{ "content" : "a" ,\n "tags": [], "content": "b" }')).toBe('content');
    expect(duplicateKeyPath('{"turns":[{"speaker":"A","text":"x"},{"speaker":"B","speaker":"C"}]}')).toBe(
      'turns.1.speaker',
    );
    expect(duplicateKeyPath('{"metadata":{"owner":{"name":"a","name":"b"}}}')).toBe('metadata.owner.name');
    expect(duplicateKeyPath('{"a":1,"\\u0061":2}')).toBe('a');
    expect(duplicateKeyPath('{"q\\"":1,"q\\u0022":2}')).toBe('q"');
    expect(duplicateKeyPath('[[1,2],{"b":{"c":"}"},"b":0}]')).toBe('1.b');
  });
});

describe('prototypeKeyPath', () => {
  it('names the first __proto__ key JSON gives, at any depth, and only a key', () => {
    expect(prototypeKeyPath(JSON.parse('{"a":1,"__proto__":{"x":1}}'))).toBe('__proto__');
    expect(prototypeKeyPath(JSON.parse('{"turns":[{"text":"t"},{"metadata":{"__proto__":null}}]}'))).toBe(
      'turns.1.metadata.__proto__',
    );
    expect(
      prototypeKeyPath(JSON.parse('{"text":"__proto__","tags":["__proto__"],"constructor":{"prototype":1}}')),
    ).toBe(null);
    // A key written { __proto__: … } in code sets the prototype and is no key at all.
    expect(prototypeKeyPath({ __proto__: { x: 1 }, a: 1 })).toBeNull();
    // Iterative: nesting that would overflow a recursive walk.
    const deep = JSON.parse(`${'['.repeat(100_000)}{"__proto__":1}${']'.repeat(100_000)}`);
    expect(prototypeKeyPath(deep)).toBe(`${'0.'.repeat(100_000)}__proto__`);
  });
});
