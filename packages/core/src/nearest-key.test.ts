import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { didYouMean, nearestKey, schemaKeysAt } from './nearest-key.js';

describe('nearestKey', () => {
  it('names the key a typo, another case style or a missing plural was meant to be', () => {
    expect(nearestKey('tag', ['bankId', 'tags', 'metadata'])).toBe('tags');
    expect(nearestKey('maxResults', ['query', 'max_results'])).toBe('max_results');
    expect(nearestKey('max_results', ['maxResults', 'minScore'])).toBe('maxResults');
    expect(nearestKey('mustExsit', ['path', 'mustExist'])).toBe('mustExist');
  });

  it('names none when no key is near, so that an unrelated key is not pointed at a wrong one', () => {
    expect(nearestKey('limit', ['query', 'max_results'])).toBeUndefined();
    expect(nearestKey('text', ['content', 'tags'])).toBeUndefined();
    expect(nearestKey('x', [])).toBeUndefined();
  });
});

describe('didYouMean and schemaKeysAt', () => {
  it('end a message with the suggestion, and read the keys of every branch at a path', () => {
    expect(didYouMean('tags')).toBe('; did you mean "tags"?');
    expect(didYouMean(undefined)).toBe('');
    const schema = z.object({
      storage: z.union([z.object({ path: z.string() }), z.object({ url: z.string() })]).optional(),
    });
    expect(schemaKeysAt(schema, ['storage'])).toEqual(['path', 'url']);
    expect(schemaKeysAt(schema, [])).toEqual(['storage']);
  });
});
