import { type Brain, type ConversationTurn, checkBankId } from '@astrocyte/core';
import { confineFailures } from './confine-failures.js';
import { batchSizeOf, type ImportOptions } from './import-memories.js';
import {
  emptySummary,
  type ImportPlace,
  type ImportProblem,
  type ImportSummary,
  noteOutcome,
  noteProblem,
} from './import-summary.js';

/** One session of a conversation as read from a file: its turns in order, each with where it came from. */
export interface ConversationSession {
  sessionId: string;
  /** When the session took place: each turn's time unless the turn has its own. */
  occurredAt?: Date;
  turns: { turn: ConversationTurn; place: ImportPlace }[];
}

/** A conversation file read whole: its sessions, or what is wrong with it. */
export interface ReadConversations {
  sessions: ConversationSession[];
  problems: ImportProblem[];
  /** Lines or turns read, malformed ones included. */
  records: number;
}

/**
 * Stores conversations read from a file, one `retainConversation` call per session (longer sessions are split
 * into calls of `batchSize` turns, which append in order). A file with problems stores nothing: a session stored
 * around a missing turn would get that turn at its end once corrected and imported again, out of order.
 * Idempotent: a session imported again is deduplicated.
 */
export async function importConversations(
  brain: Brain,
  bankId: string,
  read: ReadConversations,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  checkBankId(bankId);
  const batchSize = batchSizeOf(options);
  const summary = emptySummary();
  summary.total = read.records;
  if (read.problems.length > 0) {
    summary.records = read.records;
    for (const { reason, ...place } of read.problems) {
      summary.malformed += 1;
      noteProblem(summary, place, reason);
    }
    return summary;
  }
  for (const session of read.sessions) {
    for (let start = 0; start < session.turns.length; start += batchSize) {
      const turns = session.turns.slice(start, start + batchSize);
      const results = await confineFailures(turns, (some) =>
        brain.retainConversation(
          some.map((entry) => entry.turn),
          {
            bankId,
            sessionId: session.sessionId,
            ...(session.occurredAt ? { occurredAt: session.occurredAt } : {}),
            ...(options.context ? { context: options.context } : {}),
          },
        ),
      );
      results.forEach((result, i) => {
        noteOutcome(summary, (turns[i] as { place: ImportPlace }).place, result);
      });
      summary.records += turns.length;
      options.onProgress?.(summary);
    }
  }
  return summary;
}
