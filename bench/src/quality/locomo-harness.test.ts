import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import { describe, expect, it } from 'vitest';
import { evidenceIds, parseLocomo, parseSessionDate, sessions } from './locomo-format.js';
import { evidenceRecall, runLocomoHarness } from './locomo-harness.js';
import { syntheticLocomo } from './synthetic-locomo.js';

describe('LoCoMo format', () => {
  it('parses the release date format as UTC', () => {
    expect(parseSessionDate('1:56 pm on 8 May, 2023')?.toISOString()).toBe('2023-05-08T13:56:00.000Z');
    expect(parseSessionDate('12:09 am on 1 January, 2024')?.toISOString()).toBe('2024-01-01T00:09:00.000Z');
    expect(parseSessionDate('sometime in spring')).toBeNull();
  });

  it('normalizes and splits evidence ids', () => {
    expect(evidenceIds({ question: 'q', category: 1, evidence: ['D8:6; D9:17', 'D3:07', 'D3:7'] })).toEqual([
      'D8:6',
      'D9:17',
      'D3:7',
    ]);
  });

  it('refuses a file that is not LoCoMo-shaped, naming the field', () => {
    expect(() => parseLocomo({})).toThrow(/expected a JSON array/);
    expect(() => parseLocomo([{ conversation: {}, qa: [{ question: 'q', evidence: 'D1:1', category: 1 }] }])).toThrow(
      /qa\[0\]\.evidence/,
    );
    expect(() => parseLocomo([{ conversation: {}, qa: [] }])).toThrow(/no session_N turns/);
  });

  it('generates a synthetic set whose evidence names real turns and whose sessions have dates', () => {
    const samples = parseLocomo(syntheticLocomo({ conversations: 3, seed: 7 }));
    for (const sample of samples) {
      const turnIds = new Set(sessions(sample).flatMap((s) => s.turns.map((t) => t.dia_id)));
      for (const session of sessions(sample)) expect(session.date).toBeInstanceOf(Date);
      for (const qa of sample.qa) {
        expect([1, 2, 3, 4]).toContain(qa.category);
        for (const id of evidenceIds(qa)) expect(turnIds.has(id)).toBe(true);
      }
    }
    expect(syntheticLocomo({ seed: 7 })).toEqual(syntheticLocomo({ seed: 7 }));
  });
});

describe('evidence recall', () => {
  it('counts the evidence turns the ranked memories stand for, deduplicated turns included', () => {
    const diaIdsOf = new Map([
      ['m1', new Set(['D1:1'])],
      ['m2', new Set(['D1:2', 'D2:5'])],
    ]);
    expect(evidenceRecall(['m2'], ['D2:5', 'D1:1'], diaIdsOf)).toBe(0.5);
    expect(evidenceRecall(['m1', 'm2'], ['D2:5', 'D1:1'], diaIdsOf)).toBe(1);
    expect(evidenceRecall(['unknown'], ['D1:1'], diaIdsOf)).toBe(0);
  });
});

describe('LoCoMo harness on the synthetic set', () => {
  it('finds most evidence within 10 results, and hybrid recall does at least as well as keyword-only', async () => {
    const brain = await createSqliteBrain({ path: ':memory:' });
    try {
      const report = await runLocomoHarness(syntheticLocomo({ conversations: 6, seed: 42 }), { brain });
      expect(report.overall.questions).toBeGreaterThan(50);
      expect(report.unknownEvidence).toBe(0);
      const hybrid = report.overall.recall.hybrid[10] as number;
      const keyword = report.overall.recall.keyword[10] as number;
      expect(hybrid).toBeGreaterThanOrEqual(0.6);
      expect(hybrid).toBeGreaterThanOrEqual(keyword);
      // Every category of questions is asked and scored.
      expect(report.byCategory.map((c) => c.category)).toEqual([1, 2, 3, 4]);
      for (const category of report.byCategory) expect(category.questions).toBeGreaterThan(0);
    } finally {
      await brain.close();
    }
  });
});
