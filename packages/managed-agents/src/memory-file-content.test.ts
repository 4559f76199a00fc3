import { createHash } from 'node:crypto';
import type { Memory } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { contentSha256, parseMemoryFile, renderMemoryFile, sameText, scannedMemory } from './memory-file-content.js';

const memory: Memory = {
  id: '0193f8a2-7c1d-7e00-8000-1234567890ab',
  bankId: 'team',
  text: 'Alice prefers morning meetings.\n\n---\nnot a header',
  tags: ['people', 'schedule'],
  metadata: {},
  path: 'people/alice',
  speaker: 'Bob',
  createdAt: new Date('2026-01-02T03:04:05Z'),
  occurredAt: new Date('2025-12-31T10:00:00Z'),
};

describe('memory file content', () => {
  it('writes a header of id, bank, date, tags, speaker and path above the text, and reads it back', () => {
    const content = renderMemoryFile(memory);
    expect(content).toBe(
      [
        '---',
        'astrocyte_memory: "0193f8a2-7c1d-7e00-8000-1234567890ab"',
        'bank: "team"',
        'date: "2025-12-31T10:00:00.000Z"',
        'tags: ["people","schedule"]',
        'speaker: "Bob"',
        'path: "people/alice"',
        '---',
        '',
        `${memory.text}\n`,
      ].join('\n'),
    );
    expect(parseMemoryFile(content)).toEqual({
      header: { memoryId: memory.id, bankId: 'team' },
      body: memory.text,
    });
  });

  it('leaves out what a memory does not have, and dates it by creation when it has no date of its own', () => {
    const bare: Memory = { id: 'm1', bankId: 'b', text: 'x', tags: [], metadata: {}, createdAt: memory.createdAt };
    expect(renderMemoryFile(bare)).toBe(
      '---\nastrocyte_memory: "m1"\nbank: "b"\ndate: "2026-01-02T03:04:05.000Z"\n---\n\nx\n',
    );
  });

  it("reads any other file as all body and no header, an agent's edit below the header as the body", () => {
    for (const other of [
      'plain notes',
      '---\ntitle: "x"\n---\n\nbody',
      '---\nastrocyte_memory: m1\nbank: "b"\n---\nx',
      '',
    ]) {
      expect(parseMemoryFile(other)).toEqual({ header: null, body: other });
    }
    const edited = renderMemoryFile(memory).replace('morning', 'afternoon');
    const parsed = parseMemoryFile(edited);
    expect(parsed.header?.memoryId).toBe(memory.id);
    expect(sameText(parsed.body, memory.text)).toBe(false);
    expect(sameText(parsed.body, memory.text.replace('morning', 'afternoon'))).toBe(true);
  });

  it('passes text, tags, speaker and path through the output scan, and hashes as the API does', () => {
    const scan = (text: string) => text.replaceAll('Alice', '[name]');
    const shown = scannedMemory({ ...memory, tags: ['Alice'], speaker: 'Alice' }, scan);
    expect(shown).toMatchObject({
      text: expect.stringContaining('[name] prefers'),
      tags: ['[name]'],
      speaker: '[name]',
    });
    expect(shown.id).toBe(memory.id);
    const content = renderMemoryFile(shown);
    expect(contentSha256(content)).toBe(createHash('sha256').update(Buffer.from(content, 'utf8')).digest('hex'));
    expect(contentSha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
