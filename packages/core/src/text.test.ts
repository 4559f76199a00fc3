import { describe, expect, it } from 'vitest';
import { foldAccents, mayRepeat, searchTerms, termKey, words } from './text.js';

describe('words', () => {
  it('reads a word with its combining marks whole, as the stores index it', () => {
    expect(words('मुझे चाय पसंद है')).toEqual(['मुझे', 'चाय', 'पसंद', 'है']);
    expect(words('We ordered ข้าวผัด in சென்னையில்')).toEqual(['ordered', 'ข้าวผัด', 'சென்னையில்']);
    expect(words('שָׁלוֹם')).toEqual(['שָׁלוֹם']);
  });

  it('lower-cases a dotted capital I to the i the stores index', () => {
    expect(words('Our office in İzmir')).toEqual(['office', 'izmir']);
    expect(searchTerms('İSTANBUL İzmir')).toEqual(['istanbul', 'izmir']);
  });

  it('leaves emoji selectors out of words: a keycap is its digit', () => {
    expect(words('1️⃣ Buy milk ❤️')).toEqual(['1', 'buy', 'milk']);
  });
});

describe('termKey', () => {
  it('meets a word in another inflection, a short plural too, or with the accents SQLite folds', () => {
    expect(termKey('cars')).toBe(termKey('car'));
    expect(termKey('lives')).toBe(termKey('live'));
    expect(termKey('café')).toBe(termKey('cafe'));
    expect(termKey('cumpleaños')).toBe(termKey('cumpleanos'));
    expect(termKey('dog')).not.toBe(termKey('dig'));
  });
});

describe('foldAccents', () => {
  it('folds one accent of a Latin letter, as SQLite does, and nothing else', () => {
    expect(foldAccents('josé')).toBe('jose');
    expect(foldAccents('dvořák')).toBe('dvorak');
    expect(foldAccents('łódź')).toBe('łodz');
    // Letters of two accents, other scripts and letters of their own stay, as in SQLite's index.
    expect(foldAccents('việt')).toBe('việt');
    expect(foldAccents('ελλάδα')).toBe('ελλάδα');
    expect(foldAccents('йогурт')).toBe('йогурт');
    expect(foldAccents('चाय')).toBe('चाय');
  });
});

describe('mayRepeat', () => {
  it('tells apart words that differ in their vowel signs', () => {
    // "My son is a doctor" and "My daughter is a doctor".
    expect(mayRepeat('मेरी बेटी डॉक्टर है', 'मेरा बेटा डॉक्टर है')).toBe(false);
    expect(mayRepeat('मेरा बेटा डॉक्टर है।', 'मेरा बेटा डॉक्टर है')).toBe(true);
  });
});
