import type { RetainResult } from '@astrocyte/core';

/** Where an imported record came from: its line, or for a LoCoMo file its sample and the field within it. */
export type ImportPlace = { line: number } | { sample: string; field?: string };

/** A record that was not stored, and why. For a line, `reason` starts with the field at fault where there is one. */
export type ImportProblem = ImportPlace & { reason: string };

/** What an import did. `rejected` counts malformed and invalid records and memories governance refused. */
export interface ImportSummary {
  /** Records handled so far: lines, or turns for a LoCoMo file. */
  records: number;
  /** How many records there are, when the input is read whole before storing (conversations). */
  total?: number;
  stored: number;
  deduplicated: number;
  rejected: number;
  redacted: number;
  /** Records that could not be read at all. */
  malformed: number;
  /** Records retain refused as bad input (too long, a bad date, metadata too large); the others were stored. */
  invalid: number;
  /** Memories of an export whose expiry has passed: never recalled, so not imported; no problem. */
  expired: number;
  /** The first problems, with where they are; at most 100 are kept. */
  problems: ImportProblem[];
}

const MAX_PROBLEMS = 100;

/** A summary of nothing done yet. */
export function emptySummary(): ImportSummary {
  return {
    records: 0,
    stored: 0,
    deduplicated: 0,
    rejected: 0,
    redacted: 0,
    malformed: 0,
    invalid: 0,
    expired: 0,
    problems: [],
  };
}

/** Counts a record that was not stored and keeps the problem while there is room. */
export function noteProblem(summary: ImportSummary, place: ImportPlace, reason: string): void {
  summary.rejected += 1;
  if (summary.problems.length < MAX_PROBLEMS) summary.problems.push({ ...place, reason });
}

/** Counts what retain did with `count` records (a long text's chunks count one each), or the error it raised. */
export function noteOutcome(
  summary: ImportSummary,
  place: ImportPlace,
  outcome: RetainResult | Error,
  count = 1,
): void {
  if (outcome instanceof Error) {
    summary.invalid += 1;
    noteProblem(summary, place, outcome.message);
    return;
  }
  if (outcome.redacted?.length) summary.redacted += count;
  if (outcome.stored) summary.stored += count;
  else if (outcome.deduplicated) summary.deduplicated += count;
  else noteProblem(summary, place, outcome.reason ?? 'not stored');
}

/** A problem as one line for the terminal: `line 3: …` or `sample conv-26, conversation.session_2[3].speaker: …`. */
export function describeProblem(problem: ImportProblem): string {
  if ('line' in problem) return `line ${problem.line}: ${problem.reason}`;
  return `sample ${problem.sample}${problem.field ? `, ${problem.field}` : ''}: ${problem.reason}`;
}
