import { describe, expect, it } from 'vitest';
import { foldAccents, hasUnspacedScript, mayRepeat, searchTerms, spacedLetterPairs, termKey, words } from './text.js';

describe('words', () => {
  it('reads a word with its combining marks whole, as the stores index it', () => {
    expect(words('मुझे चाय पसंद है')).toEqual(['मुझे', 'चाय', 'पसंद', 'है']);
    expect(words('We ordered food in சென்னையில்')).toEqual(['ordered', 'food', 'சென்னையில்']);
    expect(words('שָׁלוֹם')).toEqual(['שָׁלוֹם']);
  });

  it('reads Chinese, Japanese, Korean and Thai as overlapping pairs of letters, a letter with its marks', () => {
    expect(words('我喜欢喝咖啡，每天')).toEqual(['我喜', '喜欢', '欢喝', '喝咖', '咖啡', '每天']);
    expect(words('ラーメンを')).toEqual(['ラー', 'ーメ', 'メン', 'ンを']);
    expect(words('음식을 좋아해요')).toEqual(['음식', '식을', '좋아', '아해', '해요']);
    expect(words('ข้าวผัด')).toEqual(['ข้า', 'าว', 'วผั', 'ผัด']);
    // A run of one letter stays whole; letters and digits of other scripts beside a run are words of their own.
    expect(words('我 iPhone手机 3月')).toEqual(['我', 'iphone', '手机', '3', '月']);
    expect(searchTerms('星巴克 咖啡')).toEqual(['星巴', '巴克', '咖啡']);
  });

  it('gives SQLite a text with its runs of such scripts as those pairs, and the rest as written', () => {
    expect(spacedLetterPairs('Ann: 东京的会议, v2.10.3')).toBe('Ann:  东京 京的 的会 会议 , v2.10.3');
    expect(spacedLetterPairs('The config is at /etc/nginx.conf')).toBe('The config is at /etc/nginx.conf');
    expect(hasUnspacedScript('Meet 田中')).toBe(true);
    expect(hasUnspacedScript('Café in İzmir, मुझे चाय')).toBe(false);
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

  it('compares Chinese by its letter pairs: a word added or left out of a clause tells it apart', () => {
    expect(mayRepeat('我的护照在抽屉里。', '我的护照在抽屉里')).toBe(true);
    // "I don't like coffee" and "I like coffee".
    expect(mayRepeat('我不喜欢咖啡', '我喜欢咖啡')).toBe(false);
    expect(mayRepeat('我喜欢咖啡', '我不喜欢咖啡')).toBe(false);
    // A shorter clause whose pairs all stand in a longer one: "like coffee" in "I don't like coffee", Japanese too.
    expect(mayRepeat('喜欢咖啡', '我不喜欢咖啡')).toBe(false);
    expect(mayRepeat('コーヒーが好き', 'コーヒーが好きではない')).toBe(false);
  });
});
