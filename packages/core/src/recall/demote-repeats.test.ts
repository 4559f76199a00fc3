import { describe, expect, it } from 'vitest';
import { demoteRepeats } from './demote-repeats.js';

const ranked = (...pairs: [string, number][]) => pairs.map(([text, score]) => ({ score, memory: { text } }));
const texts = (hits: { memory: { text: string } }[]) => hits.map((h) => h.memory.text);

describe('demoteRepeats', () => {
  it('moves a hit that repeats a better one below what else was found', () => {
    const result = demoteRepeats(
      ranked(
        ['Hey! How have you been? It feels like ages since we last talked.', 1],
        ['Well, hey! How have you been? It feels like ages since we last talked. Talk soon!', 0.9],
        ['I have been volunteering at the food bank every Saturday.', 0.5],
      ),
      10,
      0.3,
    );
    expect(texts(result)).toEqual([
      'Hey! How have you been? It feels like ages since we last talked.',
      'I have been volunteering at the food bank every Saturday.',
      'Well, hey! How have you been? It feels like ages since we last talked. Talk soon!',
    ]);
    expect(result[2]?.score).toBeCloseTo(0.27);
  });

  it('leaves different facts about the same thing at full score', () => {
    const hits = ranked(
      ['Caroline adopted a dog from the shelter in May.', 1],
      ['Caroline is allergic to cats and to dust.', 0.8],
      ['The shelter Caroline volunteers at needs new blankets.', 0.7],
    );
    expect(demoteRepeats(hits, 10, 0.3)).toEqual(hits);
  });

  it('compares with hits kept at full score only, and stops once enough are kept', () => {
    const result = demoteRepeats(
      ranked(
        ['alpha beta gamma delta', 1],
        ['alpha beta gamma epsilon', 0.9],
        ['zeta eta theta iota', 0.8],
        ['zeta eta theta kappa', 0.7],
      ),
      2,
      0.5,
    );
    // The second repeats the first; the fourth would repeat the third, but two hits are kept by then.
    expect(result.map((h) => h.score)).toEqual([1, 0.8, 0.7, 0.45]);
  });

  it('changes nothing with a factor of 1, and ignores texts without words', () => {
    const hits = ranked(['same words here', 1], ['same words here', 0.9]);
    expect(demoteRepeats(hits, 10, 1)).toBe(hits);
    const empty = ranked(['?!', 1], ['...', 0.9]);
    expect(demoteRepeats(empty, 10, 0.3)).toEqual(empty);
  });
});
