import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, ssnValid } from './checksums.js';
import { NEGATIVES } from './pii-corpus/negatives.js';
import { POSITIVES } from './pii-corpus/positives.js';
import { scoreCorpus } from './pii-corpus/score-corpus.js';
import { detectPii, PII_TYPES, redactFindings } from './pii-detectors.js';

describe('PII corpus', () => {
  it('holds at least 100 positives across every type and 100 near-miss negatives', () => {
    expect(POSITIVES.length).toBeGreaterThanOrEqual(100);
    expect(NEGATIVES.length).toBeGreaterThanOrEqual(100);
    for (const type of PII_TYPES) {
      expect(POSITIVES.filter((e) => e.pii.some((p) => p.type === type)).length, type).toBeGreaterThanOrEqual(10);
    }
  });

  it('reaches recall and precision of at least 0.98 for every type', () => {
    const { scores, misses } = scoreCorpus([...POSITIVES, ...NEGATIVES]);
    // The misses are in the message so that a regression says exactly which text broke.
    const report = misses
      .map((m) => `${m.kind} ${m.type} ${JSON.stringify(m.value)} in ${JSON.stringify(m.text)}`)
      .join('\n');
    for (const score of scores) {
      expect(score.recall, `${score.type} recall\n${report}`).toBeGreaterThanOrEqual(0.98);
      expect(score.precision, `${score.type} precision\n${report}`).toBeGreaterThanOrEqual(0.98);
    }
  });

  it('finds nothing at all in any negative', () => {
    const flagged = NEGATIVES.filter((e) => detectPii(e.text).length > 0).map((e) => e.text);
    expect(flagged).toEqual([]);
  });
});

describe('detectPii', () => {
  it('redacts with typed placeholders and leaves the rest of the text intact', () => {
    const text = 'Mail a@example.com, card 4111 1111 1111 1111, from 192.0.2.1.';
    const findings = detectPii(text);
    expect(findings.map((f) => f.type)).toEqual(['email', 'credit_card', 'ip_address']);
    expect(redactFindings(text, findings, new Set(PII_TYPES))).toBe(
      'Mail [EMAIL], card [CREDIT_CARD], from [IP_ADDRESS].',
    );
    expect(redactFindings(text, findings, new Set(['email'] as const))).toBe(
      'Mail [EMAIL], card 4111 1111 1111 1111, from 192.0.2.1.',
    );
  });

  it('redacts only the value of a credential assignment and the whole of a PEM block', () => {
    const pem = ['-----BEGIN EC ', 'PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC ', 'PRIVATE KEY-----'].join('');
    const text = `DB_PASSWORD=hunter22 then\n${pem}\ndone`;
    expect(redactFindings(text, detectPii(text), new Set(PII_TYPES))).toBe('DB_PASSWORD=[SECRET] then\n[SECRET]\ndone');
  });

  it('prefers the most specific type when findings overlap', () => {
    const text = 'postgres://app:pa55word@db.example.com/app';
    expect(detectPii(text).map((f) => [f.type, text.slice(f.start, f.end)])).toEqual([['secret', 'pa55word']]);
  });
});

describe('detectPii: Unicode', () => {
  const redactAll = (text: string) => redactFindings(text, detectPii(text), new Set(PII_TYPES));

  it('finds a phone number written with non-breaking and thin spaces', () => {
    expect(redactAll('Call 555\u00a0123\u00a04567 or +44\u202f20\u20097946\u00a00958.')).toBe(
      'Call [PHONE] or [PHONE].',
    );
  });

  it('finds an email address with a zero-width space or soft hyphen inside, and redacts all of it', () => {
    expect(redactAll('Write to jane\u200b.doe@exam\u00adple.com today')).toBe('Write to [EMAIL] today');
  });

  it('finds a card number in fullwidth digits or grouped by dots', () => {
    expect(redactAll('card ４１１１ １１１１ １１１１ １１１１ ok')).toBe('card [CREDIT_CARD] ok');
    expect(redactAll('card ４１１１\u3000１１１１\u3000１１１１\u3000１１１１')).toBe('card [CREDIT_CARD]');
    expect(redactAll('card 4111.1111.1111.1111.')).toBe('card [CREDIT_CARD].');
    expect(detectPii('version 4111.1111.1111.1112')).toEqual([]);
  });

  it('finds a social security number written with en dashes, minus signs or non-breaking hyphens', () => {
    expect(redactAll('SSN 123\u201345\u20136789, 219\u221209\u22129999, 078\u201105\u20111120')).toBe(
      'SSN [SSN], [SSN], [SSN]',
    );
  });

  it('maps findings back to the original text when folding changes its length', () => {
    const text = 'oﬃce ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ, 😀 192.0.2.1';
    const findings = detectPii(text);
    expect(findings.map((f) => [f.type, text.slice(f.start, f.end)])).toEqual([
      ['email', 'ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ'],
      ['ip_address', '192.0.2.1'],
    ]);
    expect(redactAll(text)).toBe('oﬃce [EMAIL], 😀 [IP_ADDRESS]');
  });

  it('returns on 100,000 characters of hostile input (long runs that almost match)', () => {
    const n = 100_000;
    const run = (chunk: string) => chunk.repeat(Math.ceil(n / chunk.length)).slice(0, n);
    for (const text of [
      `a@${run('a.')}`,
      `a@${run('a-')}`,
      run('1'),
      run('1 '),
      run('1-'),
      run('+1 '),
      run('a:'),
      run('password='),
      `a://${run('x:')}`,
      run('\u200b1'),
      run('１\u00a0'),
    ]) {
      expect(
        detectPii(text).filter((f) => f.type !== 'secret'),
        text.slice(0, 12),
      ).toEqual([]);
    }
  });
});

describe('checksums', () => {
  it('validates Luhn, IBAN mod-97 with country lengths, and SSN ranges', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('41111a')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE8937040044053201300')).toBe(false);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ibanValid('ZZ89370400440532013000')).toBe(false);
    expect(ssnValid('123', '45', '6789')).toBe(true);
    expect(ssnValid('666', '45', '6789')).toBe(false);
    expect(ssnValid('900', '45', '6789')).toBe(false);
    expect(ssnValid('123', '00', '6789')).toBe(false);
    expect(ssnValid('123', '45', '0000')).toBe(false);
  });
});
