import { groupBy } from '../collections.js';
import type { Embedder } from '../embedders/embedder.js';
import { ValidationError } from '../errors.js';
import type { Governance } from '../governance/governance.js';
import type { MemoryStore, ScoredId, SearchFilter } from '../memory-store.js';
import { OPTION_KEYS } from '../option-keys.js';
import { searchTerms } from '../text.js';
import type { Memory, MemoryHit, RecallOptions, RecallResult } from '../types.js';
import {
  checkDate,
  checkFraction,
  checkInteger,
  checkKnownKeys,
  checkPath,
  checkQuery,
  checkRangeEnd,
  checkTagFilter,
  type Limits,
  resolveBanks,
} from '../validation.js';
import { demoteRepeats } from './demote-repeats.js';
import { feedbackTerms } from './feedback-terms.js';
import { type FusedCandidate, fuseScores, recencyFactor } from './fuse.js';
import { dateSpellings } from './keyword-fields.js';
import { matchStrength, scaleToStrength } from './match-strength.js';
import { speakersNamedIn } from './named-speakers.js';
import type { RecallTuning } from './recall-tuning.js';

/** What the recall pipeline works with: `maxResults` is the default of a recall that does not say. */
export interface RecallParts {
  store: MemoryStore;
  embedder: Embedder;
  governance: Governance;
  limits: Limits;
  tuning: RecallTuning;
  maxResults: number;
  recencyHalfLifeDays: number | null;
  now: () => Date;
}

const round = (score: number) => Math.round(score * 10_000) / 10_000;
// Keyword hits whose text feeds pseudo-relevance feedback, and how much of the keyword weight its search gets.
const FEEDBACK_DOCUMENTS = 5;
const FEEDBACK_SHARE = 0.3;

/** The read path behind recall: keyword, feedback and vector search, fused, then recency and the output scan. */
export class RecallPipeline {
  private readonly store: MemoryStore;
  private readonly embedder: Embedder;
  private readonly governance: Governance;
  private readonly limits: Limits;
  private readonly tuning: RecallTuning;
  private readonly defaultMaxResults: number;
  private readonly recencyHalfLifeDays: number | null;
  private readonly now: () => Date;

  constructor(parts: RecallParts) {
    this.store = parts.store;
    this.embedder = parts.embedder;
    this.governance = parts.governance;
    this.limits = parts.limits;
    this.tuning = parts.tuning;
    this.defaultMaxResults = parts.maxResults;
    this.recencyHalfLifeDays = parts.recencyHalfLifeDays;
    this.now = parts.now;
  }

  /**
   * Finds the memories most relevant to `query`: keyword search (text, speaker, date and episode neighbours), a
   * second keyword search with words the best hits share when `feedbackTerms` is set, and vector search, fused by
   * weighted normalized scores; a hit said by a speaker the query names counts more (`speakerBoost`), and a hit that
   * mostly repeats a better hit's words is demoted (`repeatFactor`). The best
   * hit then scores how well it matches the query on its own (`matchStrength`), and the others in proportion.
   */
  async recall(query: string, options: RecallOptions): Promise<RecallResult> {
    checkQuery(query, this.limits);
    const bankIds = resolveBanks(options ?? {});
    const maxResults = checkInteger(
      options.maxResults,
      'maxResults',
      1,
      this.limits.maxResults,
      this.defaultMaxResults,
    );
    const minScore = checkFraction(options.minScore, 'minScore', 0);
    const now = this.now();
    const filter: SearchFilter = { now };
    const tags = checkTagFilter(options.tags, this.limits);
    this.governance.checkTagSelector(tags, bankIds);
    if (tags.length > 0) filter.tags = tags;
    const pathPrefix = checkPath(options.pathPrefix, this.limits, 'pathPrefix');
    if (pathPrefix !== null) filter.pathPrefix = pathPrefix;
    checkTimeRange(options.timeRange);
    const from = checkDate(options.timeRange?.from, 'timeRange.from');
    const to = checkRangeEnd(options.timeRange?.to, 'timeRange.to');
    if (from) filter.from = from;
    if (to) filter.to = to;
    if (from && to && from > to) throw new ValidationError('timeRange', 'from must not be after to');

    // A wider pool than asked for gives fusion room to promote what the searches agree on, and room for what
    // demoting repeats lets rise.
    const pool = Math.min(200, Math.max(40, maxResults * 4));
    const spellings = dateSpellings(query);
    const terms = searchTerms(spellings.join(' '));
    const { fused, byVector } = await this.search(query, terms, bankIds, pool, filter);
    const loaded = await this.load(fused);
    const scored: { memory: Memory; score: number }[] = [];
    const { speakerBoost } = this.tuning;
    const named = speakerBoost > 0 ? speakersNamedIn(query) : () => false;
    for (const candidate of fused) {
      const memory = loaded.get(`${candidate.bankId}\u0000${candidate.id}`);
      // Forgotten since the search ranked it.
      if (!memory) continue;
      const recency = this.recencyHalfLifeDays
        ? recencyFactor(memory.occurredAt ?? memory.createdAt, now, this.recencyHalfLifeDays)
        : 1;
      // A question about Caroline is most often answered by what Caroline said.
      const spoken = memory.speaker && named(memory.speaker) ? 1 + speakerBoost : 1;
      scored.push({ memory, score: candidate.score * recency * spoken });
    }
    scored.sort((a, b) => b.score - a.score);
    const demoted = demoteRepeats(scored, maxResults, this.tuning.repeatFactor);
    const best = demoted[0]?.memory;
    const similarity = best && byVector.find((hit) => hit.id === best.id && hit.bankId === best.bankId)?.score;
    // A memory holding a date one way matches as well as one holding it the other way: each spelling is scored alone.
    const strength = best
      ? Math.max(...spellings.map((spelling) => matchStrength(searchTerms(spelling), best, similarity)))
      : 0;
    const ranked = scaleToStrength(demoted, strength)
      .map(({ memory, score }) => ({ memory, score: round(score) }))
      .filter((hit) => hit.score >= minScore);
    return {
      hits: ranked.slice(0, maxResults).map(({ memory, score }) => this.toHit(memory, score)),
      totalAvailable: ranked.length,
    };
  }

  // Keyword search, its feedback search, and vector search, fused (candidates best first), and the vector hits with
  // their cosine similarity.
  private async search(
    query: string,
    terms: string[],
    bankIds: string[],
    pool: number,
    filter: SearchFilter,
  ): Promise<{ fused: FusedCandidate[]; byVector: ScoredId[] }> {
    const { vectorWeight, feedbackTerms: feedbackCount } = this.tuning;
    const [byKeyword, byVector] = await Promise.all([
      terms.length > 0 ? this.store.keywordSearch(bankIds, terms, pool, filter) : Promise.resolve([]),
      vectorWeight > 0
        ? this.embedder
            .embed([query], { purpose: 'query' })
            .then(([vector]) => this.store.vectorSearch(bankIds, vector as Float32Array, pool, filter))
        : Promise.resolve([]),
    ]);
    let byFeedback: typeof byKeyword = [];
    if (feedbackCount > 0 && byKeyword.length > 1) {
      const best = await this.load(byKeyword.slice(0, FEEDBACK_DOCUMENTS));
      const extra = feedbackTerms(
        terms,
        [...best.values()].map((m) => m.text),
        feedbackCount,
      );
      if (extra.length > 0) byFeedback = await this.store.keywordSearch(bankIds, [...terms, ...extra], pool, filter);
    }
    // Without a feedback search, its share stays with the first keyword search: vector keeps its configured weight.
    const feedbackShare = byFeedback.length > 0 ? FEEDBACK_SHARE : 0;
    const keywordWeight = 1 - vectorWeight;
    const fused = fuseScores([
      { hits: byKeyword, weight: keywordWeight * (1 - feedbackShare) },
      { hits: byFeedback, weight: keywordWeight * feedbackShare },
      { hits: byVector, weight: vectorWeight },
    ]);
    return { fused, byVector };
  }

  // The candidates' memories, keyed by bank and id: those a search returned whole, and the others read.
  private async load(refs: { id: string; bankId: string; memory?: Memory }[]): Promise<Map<string, Memory>> {
    const found = refs.flatMap((r) => (r.memory ? [r.memory] : []));
    const byBank = groupBy(
      refs.filter((r) => !r.memory),
      (r) => r.bankId,
    );
    const loaded = await Promise.all(
      [...byBank].map(([bankId, rows]) =>
        this.store.get(
          bankId,
          rows.map((r) => r.id),
        ),
      ),
    );
    return new Map([...found, ...loaded.flat()].map((m) => [`${m.bankId}\u0000${m.id}`, m]));
  }

  private toHit(memory: Memory, score: number): MemoryHit {
    // The speaker and path are text of the memory as much as its text is (reflect's prompt names the speaker).
    const masked = (text: string) => this.governance.scanOutput(text, [memory.bankId]);
    return {
      memoryId: memory.id,
      bankId: memory.bankId,
      text: masked(memory.text),
      score,
      tags: memory.tags,
      metadata: memory.metadata,
      ...(memory.path ? { path: masked(memory.path) } : {}),
      createdAt: memory.createdAt,
      ...(memory.occurredAt ? { occurredAt: memory.occurredAt } : {}),
      ...(memory.speaker ? { speaker: masked(memory.speaker) } : {}),
      ...(memory.episode ? { episode: memory.episode } : {}),
      ...(memory.documentId ? { documentId: memory.documentId } : {}),
    };
  }
}

// A misspelt or wrongly shaped range ({ start, end }, a bare date) would otherwise filter nothing, in silence.
function checkTimeRange(range: unknown): void {
  if (range === undefined || range === null) return;
  if (typeof range !== 'object' || Array.isArray(range))
    throw new ValidationError('timeRange', 'must be an object with from and/or to');
  checkKnownKeys(range, OPTION_KEYS.timeRange, 'timeRange.', 'a bound of a time range');
}
