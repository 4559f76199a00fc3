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
