import { describe, expect, it } from 'vitest';
import { extractiveAnswer } from './reflect.js';

describe('the extractive answer', () => {
  it('quotes the memories in rank order, dated, with the speaker of a conversation turn', () => {
    const at = new Date('2023-05-08T10:00:00Z');
    const base = { bankId: 'b', score: 1, tags: [], metadata: {}, createdAt: at };
    const answer = extractiveAnswer('who paints?', [
      { ...base, memoryId: 'm1', text: 'I paint sunsets at the lake', speaker: 'Caroline' },
      { ...base, memoryId: 'm2', text: 'The user likes watercolours', occurredAt: new Date('2022-01-02T00:00:00Z') },
    ]);
    expect(answer).toBe(
      'Extractive answer (no LLM configured): the memories most relevant to "who paints?" are:\n' +
        '[1] Caroline: I paint sunsets at the lake (2023-05-08)\n[2] The user likes watercolours (2022-01-02)',
    );
    expect(extractiveAnswer('who paints?', [])).toBe('Memory holds nothing relevant to: who paints?');
  });
});
