import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk-text.js';

describe('chunkText', () => {
  it('cuts at paragraph breaks first, and the pieces hold the whole text', () => {
    const paragraphs = Array.from({ length: 6 }, (_, i) => `Paragraph ${i}. ${'word '.repeat(30).trim()}.`);
    const text = paragraphs.join('\n\n');
    const pieces = chunkText(text, 400);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((p) => p.length <= 400)).toBe(true);
    expect(pieces.every((p) => p.startsWith('Paragraph'))).toBe(true);
    expect(pieces.join('\n\n')).toBe(text);
  });

  it('falls back to sentence ends, then spaces, then a hard cut that never splits a surrogate pair', () => {
    expect(chunkText('One two three. Four five six. Seven eight nine.', 20)).toEqual([
      'One two three.',
      'Four five six.',
      'Seven eight nine.',
    ]);
    const emoji = '😀'.repeat(10);
    const pieces = chunkText(emoji, 5);
    expect(pieces.join('')).toBe(emoji);
    expect(pieces.every((p) => !/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/.test(p))).toBe(true);
  });
});
