import { describe, expect, it } from 'vitest';
import { newMemoryId } from './memory-id.js';

describe('newMemoryId', () => {
  it('makes UUIDv7 strings that sort in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newMemoryId(1_700_000_000_000));
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(
      true,
    );
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newMemoryId(1_800_000_000_000) > (ids.at(-1) as string)).toBe(true);
  });

  it('gives every id fresh random bits, across the blocks they are drawn in', () => {
    const tails = Array.from({ length: 2000 }, () => newMemoryId().slice(19));
    expect(new Set(tails).size).toBe(tails.length);
  });
});
