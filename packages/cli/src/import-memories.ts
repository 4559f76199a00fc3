import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import {
  type AstrocyteContext,
  type Brain,
  checkBankId,
  type RetainManyItem,
  type RetainResult,
  ValidationError,
} from '@astrocyte/core';
import { lineToItem } from './memory-json.js';

/** How an import batches and reports. */
export interface ImportOptions {
  /** Items per `retainMany` call: one embedding batch and one transaction each; defaults to 500. */
  batchSize?: number;
  context?: AstrocyteContext;
  onProgress?: (summary: ImportSummary) => void;
}

/** A line that was not stored, and why. */
export interface ImportProblem {
  line: number;
  reason: string;
}

/** What an import did. `rejected` counts malformed lines and memories governance refused. */
export interface ImportSummary {
  lines: number;
  stored: number;
  deduplicated: number;
  rejected: number;
  redacted: number;
  /** Lines that could not be read as a memory at all. */
  malformed: number;
  /** The first problems, with line numbers; at most 100 are kept. */
  problems: ImportProblem[];
}

const MAX_PROBLEMS = 100;

/**
 * Reads JSON Lines (the export format) from `input` and retains them into a bank in batches. Idempotent: a memory
 * already in the bank is deduplicated, so a rerun after an interruption stores only what is missing.
 */
export async function importMemories(
  brain: Brain,
  bankId: string,
  input: Readable,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  checkBankId(bankId);
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new ValidationError('batchSize', `must be an integer from 1 to 10000, got ${batchSize}`);
  }
  const summary: ImportSummary = {
    lines: 0,
    stored: 0,
    deduplicated: 0,
    rejected: 0,
    redacted: 0,
    malformed: 0,
    problems: [],
  };
  const problem = (line: number, reason: string) => {
    summary.rejected += 1;
    if (summary.problems.length < MAX_PROBLEMS) summary.problems.push({ line, reason });
  };
  let batch: { item: RetainManyItem; line: number }[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const results = await retainBatch(brain, bankId, batch, options.context);
    results.forEach((result, i) => {
      const line = (batch[i] as { line: number }).line;
      if (result instanceof Error) problem(line, result.message);
      else if (result.stored) summary.stored += 1;
      else if (result.deduplicated) summary.deduplicated += 1;
      else problem(line, result.reason ?? 'not stored');
      if (!(result instanceof Error) && result.redacted?.length) summary.redacted += 1;
    });
    batch = [];
    options.onProgress?.(summary);
  };

  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber += 1;
    if (raw.trim() === '') continue;
    summary.lines += 1;
    const parsed = lineToItem(raw);
    if (typeof parsed === 'string') {
      summary.malformed += 1;
      problem(lineNumber, parsed);
      continue;
    }
    batch.push({ item: parsed, line: lineNumber });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}

// One bad item (too long, a bad date) fails a whole retainMany; retrying item by item confines it to its line.
async function retainBatch(
  brain: Brain,
  bankId: string,
  batch: { item: RetainManyItem }[],
  context: AstrocyteContext | undefined,
): Promise<(RetainResult | Error)[]> {
  const items = batch.map((entry) => entry.item);
  try {
    return await brain.retainMany(items, { bankId, ...(context ? { context } : {}) });
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    if (items.length === 1) return [new Error(error.message.replace(/^items\[\d+\]\./, ''))];
  }
  const results: (RetainResult | Error)[] = [];
  for (const entry of batch) results.push(...(await retainBatch(brain, bankId, [entry], context)));
  return results;
}
