import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type AstrocyteContext, type Brain, checkBankId, type RetainResult, ValidationError } from '@astrocyte/core';
import { DEFAULT_LIMITS } from '@astrocyte/core/backend';
import { confineFailures } from './confine-failures.js';
import { EarlierSayings } from './earlier-sayings.js';
import { emptySummary, type ImportSummary, noteOutcome, noteProblem } from './import-summary.js';
import { type ImportedMemory, parseMemoryLine } from './memory-json.js';

/** How an import batches and reports. */
export interface ImportOptions {
  /** Plain memories per retain call: one embedding batch and one transaction each; defaults to 500. */
  batchSize?: number;
  context?: AstrocyteContext;
  onProgress?: (summary: ImportSummary) => void;
}

/**
 * Turns per `retainConversation` call: a session goes in one call whatever `batchSize` says, up to the library's
 * limit per call (only a session longer than that is split).
 */
export const TURNS_PER_CALL = DEFAULT_LIMITS.maxBatchSize;

/** The batch size of `options`, checked. */
export function batchSizeOf(options: ImportOptions): number {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new ValidationError('batchSize', `must be an integer from 1 to 10000, got ${batchSize}`);
  }
  return batchSize;
}

// One memory to store and the lines it came from: several for a long text exported as chunks.
interface Entry {
  memory: ImportedMemory;
  lines: number[];
}

/**
 * Reads JSON Lines (the export format) from `input` and retains them into a bank in batches. Idempotent: a memory
 * already in the bank is deduplicated, so a rerun after an interruption stores only what is missing. Conversation
 * turns go back into their sessions with `retainConversation`, consecutive lines of a session in the order of their
 * `episode.position`, and the chunks of a long text are joined and stored as that text again.
 */
export async function importMemories(
  brain: Brain,
  bankId: string,
  input: Readable,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  checkBankId(bankId);
  const batchSize = batchSizeOf(options);
  const summary = emptySummary();
  const context = options.context ? { context: options.context } : {};
  // Consecutive entries stored by one call: plain memories, or the turns of one session.
  let batch: Entry[] = [];
  let batchKey = '';
  const earlier = new EarlierSayings();

  const flush = async () => {
    if (batch.length === 0) return;
    // A session's turns go back in their exported order: a corrected turn, listed after its session, takes its place.
    batch.sort((a, b) => (a.memory.position ?? 0) - (b.memory.position ?? 0));
    const first = (batch[0] as Entry).memory;
    const results: (RetainResult | Error)[] =
      first.sessionId === undefined
        ? await confineFailures(batch, (entries) =>
            brain.retainMany(
              entries.map((entry) => entry.memory.item),
              { bankId, ...context },
            ),
          )
        : await confineFailures(batch, (entries) => {
            const sessionId = first.sessionId as string;
            return earlier.retain(sessionId, undefined, entries.map(toTurn), (turns) =>
              brain.retainConversation(turns, { bankId, sessionId, ...context }),
            );
          });
    results.forEach((result, i) => {
      const { lines } = batch[i] as Entry;
      noteOutcome(summary, { line: lines[0] as number }, result, lines.length);
    });
    batch = [];
    options.onProgress?.(summary);
  };

  // A malformed line beside a long text's chunks or a session's turns may be one of them. Stored without it, the text
  // would lack a part for good, and the turn, imported again once corrected, would land at its session's end: so the
  // text or the session is not stored at all, and a corrected import stores it whole and in order. Every session
  // broken so is remembered, with its malformed line: one that comes back after another session stays unstored.
  let malformedSince: number | undefined;
  const brokenSessions = new Map<string, number>();
  const notStored = (entry: Entry, line: number) => {
    for (const at of entry.lines)
      noteProblem(
        summary,
        { line: at },
        `not stored: part of a long text or a session beside malformed line ${line}; correct that line and import again`,
      );
  };

  // `afterMalformed`: the malformed line right before this entry's, if any.
  const add = async (entry: Entry, afterMalformed?: number) => {
    const { sessionId } = entry.memory;
    const key = sessionId === undefined ? 'memories' : JSON.stringify([sessionId]);
    const brokenBy = brokenSessions.get(key);
    if (brokenBy !== undefined) return notStored(entry, brokenBy);
    if (key !== batchKey || batch.length >= (sessionId === undefined ? batchSize : TURNS_PER_CALL)) await flush();
    if (sessionId !== undefined && batch.length === 0 && afterMalformed !== undefined) {
      brokenSessions.set(key, afterMalformed);
      return notStored(entry, afterMalformed);
    }
    batchKey = key;
    batch.push(entry);
  };

  const malformed = (line: number) => {
    malformedSince = line;
    if (document) document.brokenBy ??= line;
    if (batchKey !== 'memories' && batch.length > 0) {
      brokenSessions.set(batchKey, line);
      for (const entry of batch.splice(0)) notStored(entry, line);
    }
  };

  // The chunks of one long text are exported on consecutive lines, in order.
  let document: { id: string; entry: Entry; texts: string[]; brokenBy?: number } | undefined;
  const endDocument = async () => {
    if (!document) return;
    const { entry, texts, brokenBy } = document;
    document = undefined;
    if (brokenBy !== undefined) return notStored(entry, brokenBy);
    entry.memory.item.content = texts.join('\n\n');
    await add(entry);
  };

  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber += 1;
    if (raw.trim() === '') continue;
    summary.records += 1;
    const memory = parseMemoryLine(raw);
    if (typeof memory === 'string') {
      summary.malformed += 1;
      noteProblem(summary, { line: lineNumber }, memory);
      malformed(lineNumber);
      continue;
    }
    const afterMalformed = malformedSince;
    malformedSince = undefined;
    // An export holds the memories that expired but were not yet purged; they are never recalled, and retain refuses
    // an expiry that has passed, so a restore skips them rather than failing on them.
    const { expiresAt } = memory.item;
    if (typeof expiresAt === 'string' && Date.parse(expiresAt) <= Date.now()) {
      summary.expired += 1;
      continue;
    }
    if (memory.documentId !== undefined && memory.documentId === document?.id) {
      document.texts.push(memory.item.content);
      document.entry.lines.push(lineNumber);
      continue;
    }
    await endDocument();
    const entry = { memory, lines: [lineNumber] };
    if (memory.documentId === undefined) await add(entry, afterMalformed);
    else
      document = {
        id: memory.documentId,
        entry,
        texts: [memory.item.content],
        ...(afterMalformed === undefined ? {} : { brokenBy: afterMalformed }),
      };
  }
  await endDocument();
  await flush();
  return summary;
}

function toTurn({ memory }: Entry) {
  const { content, createdAt, occurredAt, expiresAt, tags, metadata } = memory.item;
  return {
    speaker: memory.speaker as string,
    text: content,
    ...(createdAt ? { createdAt } : {}),
    ...(occurredAt ? { occurredAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(tags ? { tags } : {}),
    ...(metadata ? { metadata } : {}),
  };
}
