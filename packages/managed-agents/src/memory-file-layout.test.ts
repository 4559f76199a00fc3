import type { Memory } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { checkStorePrefix, keptEditPath, memoryFilePath, memoryIdOfFile } from './memory-file-layout.js';

const memory = (id: string, fields: Partial<Memory> = {}): Memory => ({
  id,
  bankId: 'bank',
  text: 'text',
  tags: [],
  metadata: {},
  createdAt: new Date('2026-01-02T03:04:05Z'),
  ...fields,
});

// The API's rules for a memory path, checked as the API states them.
function expectValidStorePath(path: string) {
  expect(path.startsWith('/')).toBe(true);
  const segments = path.slice(1).split('/');
  expect(segments.length).toBeGreaterThanOrEqual(1);
  expect(segments.length).toBeLessThanOrEqual(20);
  for (const segment of segments) {
    expect(segment).not.toBe('');
    expect(['.', '..']).not.toContain(segment);
    expect(segment).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
  }
  expect(path.normalize('NFC')).toBe(path);
  expect(Buffer.byteLength(path, 'utf8')).toBeLessThanOrEqual(1024);
}

describe('memory file layout', () => {
  it('puts a memory under its path, else its first tag, else straight under the prefix', () => {
    expect(memoryFilePath(memory('m1', { path: 'projects/apollo' }), '/bank/')).toBe('/bank/projects/apollo/m1.md');
    expect(memoryFilePath(memory('m2', { tags: ['work', 'urgent'] }), '/bank/')).toBe('/bank/work/m2.md');
    expect(memoryFilePath(memory('m3'), '/bank/')).toBe('/bank/m3.md');
    expect(memoryFilePath(memory('m4', { path: 'a/b', tags: ['t'] }), '/', 'flat')).toBe('/m4.md');
  });

  it('never makes one file an ancestor of another, whatever the paths and tags hold', () => {
    const tricky = [
      memory('m1'),
      memory('m2', { path: 'm1.md/inside' }),
      memory('m3', { path: 'notes.md' }),
      memory('m4', { path: 'notes.md/m3.md' }),
      memory('m5', { tags: ['a/b'] }),
      memory('m6', { path: './../x' }),
      memory('m7', { path: 'tab\there/zero\u200bwidth/line\u2028sep' }),
      memory('m8', { path: 'cafe\u0301' }),
      memory('a.b', { path: 'm8.md' }),
    ];
    const paths = tricky.map((m) => memoryFilePath(m, '/bank/') as string);
    for (const path of paths) expectValidStorePath(path);
    for (const a of paths)
      for (const b of paths) if (a !== b) expect(b.startsWith(`${a}/`), `${a} is an ancestor of ${b}`).toBe(false);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('drops the deepest directories of a path too long or too deep for the API, and gives up on a bare file too long', () => {
    const deep = memory('m1', { path: Array.from({ length: 30 }, (_, i) => `d${i}`).join('/') });
    const deepPath = memoryFilePath(deep, '/bank/') as string;
    expectValidStorePath(deepPath);
    expect(deepPath.split('/').length - 1).toBe(20);
    expect(deepPath.startsWith('/bank/d0/d1/')).toBe(true);
    const long = memory('m2', { path: `${'é'.repeat(400)}/${'x'.repeat(400)}` });
    const longPath = memoryFilePath(long, '/bank/') as string;
    expectValidStorePath(longPath);
    expect(longPath).toBe(`/bank/${'é'.repeat(400)}/m2.md`);
    expect(memoryFilePath(memory('x'.repeat(128)), `/${'p'.repeat(500)}/`)).toMatch(/\.md$/);
    expect(memoryFilePath(memory('é'.repeat(128)), `/${'p'.repeat(500)}/`)).toBeNull();
  });

  it("reads a file's memory id back, for memory files and the edits kept beside them only", () => {
    for (const id of ['0193f8a2-7c1d-7e00-8000-1234567890ab', 'a.b/c%d é', 'x.edit-0123456789ab']) {
      const path = memoryFilePath(memory(id, { tags: ['t'] }), '/bank/') as string;
      expect(memoryIdOfFile(path, '/bank/')).toEqual({ memoryId: id, keptEdit: false });
      const kept = keptEditPath(path, 'f'.repeat(64));
      expect(memoryIdOfFile(kept, '/bank/')).toEqual({ memoryId: id, keptEdit: true });
      expect(memoryIdOfFile(path, '/other/')).toBeNull();
    }
    expect(memoryIdOfFile('/bank/notes/todo.txt', '/bank/')).toBeNull();
    expect(memoryIdOfFile('/bank/%E0%A4%A.md', '/bank/')).toBeNull();
  });

  it('checks a prefix against the API rules and leaves room for files below it', () => {
    expect(checkStorePrefix('/')).toBe('/');
    expect(checkStorePrefix('/a/b')).toBe('/a/b/');
    expect(checkStorePrefix('/a/b/')).toBe('/a/b/');
    for (const bad of ['a/b', '', '/a//b/', '/a/../b', '/./', '/a\u0000b/', '/cafe\u0301/', 42, undefined]) {
      expect(() => checkStorePrefix(bad), String(bad)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    }
    expect(() => checkStorePrefix(`/${Array.from({ length: 20 }, () => 'a').join('/')}/`)).toThrow(/room for files/);
    expect(() => checkStorePrefix(`/${'a'.repeat(600)}/`)).toThrow(/room for files/);
  });
});
