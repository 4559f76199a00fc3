import type { Astrocyte } from '@astrocyte/core';
import { searchTerms } from '@astrocyte/core/backend';
import { randomSuffix } from '../lib/backends.js';
import { type LatencySummary, quantile, summarize as summarizeLatency } from '../lib/stats.js';
import { CATEGORY_NAMES, evidenceIds, type LocomoSample, normalizeDiaId, sessions, turnText } from './locomo-format.js';

/** The methods compared: ours (`brain.recall` as configured) and the store's keyword and vector searches alone. */
export const METHODS = ['default', 'keyword', 'vector'] as const;
export type Method = (typeof METHODS)[number];

/** Mean evidence recall at each k, for one method over a set of questions. */
export type RecallAtK = Record<number, number>;

/** Scores of one category (or of all questions). */
export interface CategoryScore {
  category: number | 'all';
  name: string;
  questions: number;
  recall: Record<Method, RecallAtK>;
}

/** What a run of the harness measured. */
export interface LocomoReport {
  conversations: number;
  turns: number;
  /** Turns the brain stored as their own memory; the rest were deduplicated onto an earlier identical turn. */
  storedTurns: number;
  /** Evidence ids that name no turn of their conversation (a flaw of the data); each counts as a miss. */
  unknownEvidence: number;
  ks: number[];
  byCategory: CategoryScore[];
  overall: CategoryScore;
  seconds: { retain: number; search: number };
  /** Milliseconds per `brain.recall` call of the default method, each timed alone. */
  recallLatency: LatencySummary;
  /** Whether recall's scores tell a bank that holds the answer from one that does not (null with one conversation). */
  calibration: ScoreCalibration | null;
}

/**
 * The default recall's best score for each question asked of its own conversation's bank and of the previous
 * conversation's, which does not hold its evidence: a score that says how well memory matches separates the two.
 */
export interface ScoreCalibration {
  /** Quantiles 0.1, 0.5 and 0.9 of the best score in the question's own bank, and in the other bank. */
  own: [number, number, number];
  other: [number, number, number];
  /** The chance that a question's best score in its own bank beats a question's in another bank (ties count half). */
  auc: number;
}

/** How the harness runs. */
export interface LocomoHarnessOptions {
  /** A brain per conversation or one shared brain: each conversation gets its own bank either way. */
  brain: Astrocyte;
  ks?: number[];
  categories?: number[];
  /** Called after each conversation, for progress output. */
  onConversation?: (index: number, total: number) => void;
}

/**
 * Retains every turn of each conversation into a bank of its own (dia_id in metadata, session date as occurredAt),
 * asks every question of categories 1 to 4, and scores evidence recall@k: the share of a question's evidence turns
 * found among the top k memories. The keyword and vector baselines are the same store's full-text and vector
 * searches, called directly with the same query in the same run. A category is labelled by the questions'
 * `category_name` where they carry one, else by LoCoMo's names.
 */
export async function runLocomoHarness(samples: LocomoSample[], options: LocomoHarnessOptions): Promise<LocomoReport> {
  const { brain } = options;
  const ks = [...new Set(options.ks ?? [1, 5, 10, 20])].sort((a, b) => a - b);
  const maxK = ks[ks.length - 1] as number;
  const categories = new Set(options.categories ?? [1, 2, 3, 4]);
  const scores: { category: number; recall: Record<Method, number[]> }[] = [];
  const categoryNames = new Map<number, string>();
  const recallMs: number[] = [];
  const ownBest: number[] = [];
  const otherBest: number[] = [];
  let previousBank: string | null = null;
  let turns = 0;
  let storedTurns = 0;
  let unknownEvidence = 0;
  let retainMs = 0;
  let searchMs = 0;

  for (const [index, sample] of samples.entries()) {
    const bankId = `locomo-${(sample.sample_id ?? String(index)).replace(/[^A-Za-z0-9._:@-]/g, '-')}-${randomSuffix()}`;
    // A memory can stand for several turns: identical turns are deduplicated onto the first one.
    const diaIdsOf = new Map<string, Set<string>>();
    const known = new Set<string>();
    const retainStart = performance.now();
    for (const session of sessions(sample)) {
      if (session.turns.length === 0) continue;
      const results = await brain.retainConversation(
        session.turns.map((turn) => ({
          speaker: turn.speaker,
          text: turnText(turn),
          metadata: { dia_id: turn.dia_id },
        })),
        { bankId, sessionId: `session_${session.index}`, ...(session.date ? { occurredAt: session.date } : {}) },
      );
      results.forEach((result, i) => {
        const turn = session.turns[i];
        if (!turn || !result.memoryId) return;
        const diaId = normalizeDiaId(turn.dia_id);
        known.add(diaId);
        // A long turn is stored as chunks: finding any of them finds the turn.
        for (const memoryId of result.chunkIds ?? [result.memoryId]) {
          const set = diaIdsOf.get(memoryId) ?? new Set<string>();
          set.add(diaId);
          diaIdsOf.set(memoryId, set);
        }
        if (result.stored) storedTurns++;
      });
      turns += session.turns.length;
    }
    retainMs += performance.now() - retainStart;

    const searchStart = performance.now();
    const filter = { now: new Date() };
    for (const qa of sample.qa) {
      if (!categories.has(qa.category)) continue;
      const evidence = evidenceIds(qa);
      if (evidence.length === 0) continue;
      unknownEvidence += evidence.filter((id) => !known.has(id)).length;
      if (qa.category_name && !categoryNames.has(qa.category)) categoryNames.set(qa.category, qa.category_name);
      // Timed alone, so that the baselines' searches never share its time.
      const recallStart = performance.now();
      const recalled = await brain.recall(qa.question, { bankId, maxResults: maxK });
      recallMs.push(performance.now() - recallStart);
      if (previousBank) {
        ownBest.push(recalled.hits[0]?.score ?? 0);
        otherBest.push((await brain.recall(qa.question, { bankId: previousBank, maxResults: 1 })).hits[0]?.score ?? 0);
      }
      const terms = searchTerms(qa.question);
      const [queryVector] = await brain.embedder.embed([qa.question], { purpose: 'query' });
      const [keyword, vector] = await Promise.all([
        terms.length > 0
          ? brain.store.keywordSearch([bankId], terms, maxK, filter).then((r) => r.map((h) => h.id))
          : Promise.resolve([]),
        brain.store.vectorSearch([bankId], queryVector as Float32Array, maxK, filter).then((r) => r.map((h) => h.id)),
      ]);
      const ranked: Record<Method, string[]> = {
        default: recalled.hits.map((h) => h.memoryId),
        keyword,
        vector,
      };
      const recall = Object.fromEntries(
        METHODS.map((method) => [
          method,
          ks.map((k) => evidenceRecall(ranked[method].slice(0, k), evidence, diaIdsOf)),
        ]),
      ) as Record<Method, number[]>;
      scores.push({ category: qa.category, recall });
    }
    searchMs += performance.now() - searchStart;
    previousBank = bankId;
    options.onConversation?.(index + 1, samples.length);
  }

  const summarize = (category: number | 'all', rows: typeof scores): CategoryScore => ({
    category,
    name:
      category === 'all' ? 'all' : (categoryNames.get(category) ?? CATEGORY_NAMES[category] ?? `category ${category}`),
    questions: rows.length,
    recall: Object.fromEntries(
      METHODS.map((method) => [
        method,
        Object.fromEntries(
          ks.map((k, i) => [
            k,
            rows.length > 0
              ? rows.reduce((sum, r) => sum + (r.recall[method][i] as number), 0) / rows.length
              : Number.NaN,
          ]),
        ),
      ]),
    ) as Record<Method, RecallAtK>,
  });
  return {
    conversations: samples.length,
    turns,
    storedTurns,
    unknownEvidence,
    ks,
    byCategory: [...categories]
      .sort((a, b) => a - b)
      .map((c) =>
        summarize(
          c,
          scores.filter((s) => s.category === c),
        ),
      ),
    overall: summarize('all', scores),
    seconds: { retain: retainMs / 1000, search: searchMs / 1000 },
    recallLatency: summarizeLatency(recallMs),
    calibration: ownBest.length > 0 ? scoreCalibration(ownBest, otherBest) : null,
  };
}

function scoreCalibration(own: number[], other: number[]): ScoreCalibration {
  const deciles = (scores: number[]): [number, number, number] => {
    const sorted = [...scores].sort((a, b) => a - b);
    return [quantile(sorted, 0.1), quantile(sorted, 0.5), quantile(sorted, 0.9)];
  };
  let wins = 0;
  for (const x of own) for (const y of other) wins += x > y ? 1 : x === y ? 0.5 : 0;
  return { own: deciles(own), other: deciles(other), auc: wins / (own.length * other.length) };
}

/** The share of evidence turns among the turns the ranked memories stand for. */
export function evidenceRecall(memoryIds: string[], evidence: string[], diaIdsOf: Map<string, Set<string>>): number {
  if (evidence.length === 0) return Number.NaN;
  const found = new Set<string>();
  for (const id of memoryIds) for (const diaId of diaIdsOf.get(id) ?? []) found.add(diaId);
  return evidence.filter((id) => found.has(id)).length / evidence.length;
}
