import { describe, expect, it } from 'vitest';
import { searchTerms } from '../text.js';
import { matchStrength, scaleToStrength } from './match-strength.js';

const at = new Date('2023-05-08T10:00:00Z');

describe('matchStrength', () => {
  it('is the share of the query terms the memory holds, stemmed, in its text, speaker or date', () => {
    const memory = { text: 'We adopted two cats last spring', speaker: 'Ann', createdAt: at };
    expect(matchStrength(['cat', 'adopt'], memory, undefined)).toBe(1);
    expect(matchStrength(['cats', 'dog'], memory, undefined)).toBe(0.5);
    expect(matchStrength(['ann', 'may', 'dog', 'fish'], memory, undefined)).toBe(0.5);
    expect(matchStrength(['dog'], memory, undefined)).toBe(0);
  });

  it('takes the cosine similarity when it is larger, and stays within [0, 1]', () => {
    const memory = { text: 'I am allergic to peanuts', createdAt: at };
    expect(matchStrength(['avoid', 'eating'], memory, 0.42)).toBe(0.42);
    expect(matchStrength(['peanut'], memory, 0.42)).toBe(1);
    expect(matchStrength(['avoid'], memory, -0.3)).toBe(0);
    expect(matchStrength([], memory, undefined)).toBe(0);
  });

  it('reads the date as occurredAt when there is one', () => {
    const memory = { text: 'Race day', occurredAt: at, createdAt: new Date('2024-01-01T00:00:00Z') };
    expect(matchStrength(['race', 'may', '2023'], memory, undefined)).toBe(1);
  });
});

describe('scaleToStrength', () => {
  it('gives the first the strength and keeps every ratio and the order', () => {
    const scaled = scaleToStrength([{ score: 0.8 }, { score: 0.4 }, { score: 0 }], 0.5);
    expect(scaled.map((h) => h.score)).toEqual([0.5, 0.25, 0]);
  });

  it('scores everything 0 when the best scored 0', () => {
    expect(scaleToStrength([{ score: 0 }, { score: 0 }], 1).map((h) => h.score)).toEqual([0, 0]);
    expect(scaleToStrength([], 1)).toEqual([]);
  });
});

describe('matchStrength across scripts and accents', () => {
  it('counts a word written without the accents SQLite folds, with its marks, or with a dotted capital I', () => {
    expect(matchStrength(searchTerms('cafe'), { text: 'We met at Café Central', createdAt: at }, 0.03)).toBe(1);
    expect(matchStrength(searchTerms('cumpleanos'), { text: 'Mi cumpleaños es en diciembre', createdAt: at }, 0)).toBe(
      1,
    );
    expect(matchStrength(searchTerms('izmir office'), { text: 'Our office in İzmir', createdAt: at }, 0)).toBe(1);
    expect(matchStrength(searchTerms('चाय'), { text: 'मुझे चाय पसंद है', createdAt: at }, 0)).toBe(1);
    expect(matchStrength(searchTerms('what did Jose say'), { text: 'Hi', speaker: 'José', createdAt: at }, 0)).toBe(
      0.5,
    );
  });
});
