import { createHash } from 'node:crypto';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import { words } from '@astrocyte/core/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { evidenceIds, type LocomoSample, parseLocomo, parseSessionDate, sessions } from './locomo-format.js';
import { evidenceRecall, type LocomoReport, runLocomoHarness } from './locomo-harness.js';
import { paraphraseLocomo } from './paraphrase-locomo.js';
import { syntheticLocomo } from './synthetic-locomo.js';

/** Every question's evidence ids name a turn of its conversation, every session has a date, categories are 1 to 4. */
function expectValidLocomo(data: LocomoSample[]): void {
  for (const sample of parseLocomo(data)) {
    const turnIds = new Set(sessions(sample).flatMap((s) => s.turns.map((t) => t.dia_id)));
    for (const session of sessions(sample)) expect(session.date).toBeInstanceOf(Date);
    expect(sample.qa.length).toBeGreaterThan(0);
    for (const qa of sample.qa) {
      expect([1, 2, 3, 4]).toContain(qa.category);
      expect(evidenceIds(qa).length).toBeGreaterThan(0);
      for (const id of evidenceIds(qa)) expect(turnIds.has(id)).toBe(true);
    }
  }
}

/** The question's words that share a root with a word of its evidence turns, the speakers' names left out. */
function wordsFromEvidence(sample: LocomoSample, qa: LocomoSample['qa'][number]): string[] {
  const text = new Map(sessions(sample).flatMap((s) => s.turns.map((t) => [t.dia_id, t.text] as const)));
  const names = new Set(
    [sample.conversation.speaker_a, sample.conversation.speaker_b].map((n) => String(n).toLowerCase()),
  );
  const evidence = evidenceIds(qa).flatMap((id) => words(text.get(id) ?? ''));
  // Looser than a stemmer, so the stricter test: one word a prefix of the other, or the same first five letters.
  const sameRoot = (x: string, y: string) =>
    x === y ||
    (Math.min(x.length, y.length) >= 3 && (x.startsWith(y) || y.startsWith(x))) ||
    (x.length >= 5 && y.length >= 5 && x.slice(0, 5) === y.slice(0, 5));
  return words(qa.question).filter((w) => !names.has(w) && evidence.some((e) => sameRoot(w, e)));
}

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
    expectValidLocomo(syntheticLocomo({ conversations: 3, seed: 7 }));
    expect(syntheticLocomo({ seed: 7 })).toEqual(syntheticLocomo({ seed: 7 }));
  });

  it('keeps the synthetic set of seed 42 exactly as it was: its numbers are the baseline', () => {
    const digest = createHash('sha256').update(JSON.stringify(syntheticLocomo())).digest('hex');
    expect(digest).toBe('93c7a4b7f70f1ff8cca3be26b1ad119cae111c2b6476f27b230cfe0bd4aa6c29');
  });

  it('generates the paraphrase set: valid LoCoMo, the same for a seed, the synthetic conversations asked anew', () => {
    const paraphrase = paraphraseLocomo({ conversations: 3, seed: 7 });
    expectValidLocomo(paraphrase);
    expect(paraphraseLocomo({ conversations: 3, seed: 7 })).toEqual(paraphrase);
    expect(paraphraseLocomo({ conversations: 3, seed: 8 })).not.toEqual(paraphrase);
    const synthetic = syntheticLocomo({ conversations: 3, seed: 7 });
    paraphrase.forEach((sample, i) => {
      const original = synthetic[i] as LocomoSample;
      expect(sample.conversation).toEqual(original.conversation);
      expect(sample.qa.map((q) => [q.category, q.evidence])).toEqual(original.qa.map((q) => [q.category, q.evidence]));
      for (const [j, qa] of sample.qa.entries()) expect(qa.question).not.toBe(original.qa[j]?.question);
    });
  });

  it("words paraphrase questions with no root of their evidence but the speakers' names; the synthetic set's share them", () => {
    const shared = (data: LocomoSample[]) => {
      const all = data.flatMap((sample) => sample.qa.map((qa) => wordsFromEvidence(sample, qa)));
      return all.filter((w) => w.length > 0).length / all.length;
    };
    expect(shared(paraphraseLocomo({ conversations: 20, seed: 3 }))).toBe(0);
    expect(shared(syntheticLocomo({ conversations: 20, seed: 3 }))).toBeGreaterThan(0.5);
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

describe('LoCoMo harness on the synthetic sets', () => {
  // One run of each set serves every test below: the runs are the slow part. Each conversation gets its own bank.
  let synthetic: LocomoReport;
  let paraphrase: LocomoReport;
  beforeAll(async () => {
    const brain = await createSqliteBrain({ path: ':memory:' });
    try {
      synthetic = await runLocomoHarness(syntheticLocomo({ conversations: 6, seed: 42 }), { brain });
      paraphrase = await runLocomoHarness(paraphraseLocomo({ conversations: 6, seed: 42 }), { brain });
    } finally {
      await brain.close();
    }
  });

  it('finds most evidence within 10 results, and the default recall does at least as well as keyword-only', () => {
    expect(synthetic.overall.questions).toBeGreaterThan(50);
    expect(synthetic.unknownEvidence).toBe(0);
    const ours = synthetic.overall.recall.default[10] as number;
    const keyword = synthetic.overall.recall.keyword[10] as number;
    expect(ours).toBeGreaterThanOrEqual(0.6);
    expect(ours).toBeGreaterThanOrEqual(keyword);
    // Every category of questions is asked and scored.
    expect(synthetic.byCategory.map((c) => c.category)).toEqual([1, 2, 3, 4]);
    for (const category of synthetic.byCategory) expect(category.questions).toBeGreaterThan(0);
  });

  it('finds far less by keyword on the paraphrase set than on the synthetic set', () => {
    expect(paraphrase.overall.questions).toBe(synthetic.overall.questions);
    expect(paraphrase.unknownEvidence).toBe(0);
    for (const k of [5, 10]) {
      expect(paraphrase.overall.recall.keyword[k] as number).toBeLessThan(
        (synthetic.overall.recall.keyword[k] as number) / 2,
      );
    }
  });

  it('times every call of the default recall', () => {
    for (const report of [synthetic, paraphrase]) {
      const latency = report.recallLatency;
      expect(latency.count).toBe(report.overall.questions);
      expect(latency.p50).toBeGreaterThan(0);
      expect(latency.p95).toBeGreaterThanOrEqual(latency.p50);
      expect(latency.max).toBeGreaterThanOrEqual(latency.p95);
    }
  });

  it("scores a question higher in its own conversation's bank than in another's", () => {
    const calibration = synthetic.calibration;
    expect(calibration).not.toBeNull();
    const { own, other, auc } = calibration as NonNullable<LocomoReport['calibration']>;
    expect(own[1]).toBeGreaterThan(other[1]);
    expect(auc).toBeGreaterThan(0.8);
    expect(auc).toBeLessThanOrEqual(1);
  });

  it("labels a category by its questions' category_name, else by LoCoMo's name", async () => {
    const sample: LocomoSample = {
      sample_id: 'named-categories',
      conversation: {
        speaker_a: 'User',
        speaker_b: 'Assistant',
        session_1_date_time: '1:56 pm on 8 May, 2023',
        session_1: [
          { speaker: 'User', dia_id: 'D1:1', text: 'I keep my road bike in the garage now.' },
          { speaker: 'Assistant', dia_id: 'D1:2', text: 'Noted, the garage it is.' },
        ],
      },
      qa: [
        {
          question: 'Where is the road bike kept?',
          evidence: ['D1:1'],
          category: 2,
          category_name: 'Dynamic Updating',
        },
        { question: 'Which bike does the user own?', evidence: ['D1:1'], category: 4 },
      ],
    };
    const brain = await createSqliteBrain({ path: ':memory:' });
    try {
      const report = await runLocomoHarness([sample], { brain });
      expect(report.byCategory.map((c) => [c.category, c.name, c.questions])).toEqual([
        [1, 'multi-hop', 0],
        [2, 'Dynamic Updating', 1],
        [3, 'open-domain', 0],
        [4, 'single-hop', 1],
      ]);
    } finally {
      await brain.close();
    }
  });
});
