import { describe, expect, it } from 'vitest';
import { dateWords, keywordFields } from './keyword-fields.js';

describe('keywordFields', () => {
  it("indexes a turn with its speaker, its date in words and its neighbours' text", () => {
    const fields = keywordFields(
      { text: 'The Dolomites.', speaker: 'Ben', occurredAt: new Date('2023-05-08T13:56:00Z'), createdAt: new Date() },
      ['Where should we hike?', 'x'.repeat(5000)],
    );
    expect(fields.text).toBe('Ben: The Dolomites.');
    expect(fields.date).toBe('Monday 8 May 2023');
    expect(fields.context.startsWith('Where should we hike?\n')).toBe(true);
    expect(fields.context.length).toBeLessThan(2000);
  });

  it('uses the creation date when nothing says when it happened, in UTC', () => {
    expect(dateWords(new Date('2024-02-29T23:30:00Z'))).toBe('Thursday 29 February 2024');
    const fields = keywordFields(
      { text: 'fact', speaker: null, occurredAt: null, createdAt: new Date('2026-01-01T00:00:00Z') },
      [],
    );
    expect(fields).toEqual({ text: 'fact', date: 'Thursday 1 January 2026', context: '' });
  });
});
