import { describe, expect, it } from 'vitest';
import { dateSpellings, dateWords, keywordFields } from './keyword-fields.js';

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

  it('spells each real date a query writes year first in digits in words too, and nothing else', () => {
    expect(dateSpellings('what did we say on 2024-05-08?')).toEqual([
      'what did we say on 2024-05-08?',
      'what did we say on Wednesday 8 May 2024?',
    ]);
    expect(dateSpellings('from 2024-02-29 to 2023-12-31, not 2024-02-30')[1]).toBe(
      'from Thursday 29 February 2024 to Sunday 31 December 2023, not 2024-02-30',
    );
    for (const other of ['2024-02-30', '2023-13-01', '08/05/2024', 'v2024-05-08', '12024-05-08', 'ticket 2024-05-081'])
      expect(dateSpellings(other)).toEqual([other]);
  });
});
