import { type Brain, type ConversationTurn, checkBankId, type RetainResult } from '@astrocyte/core';
import { confineFailures } from './confine-failures.js';
import { EarlierSayings } from './earlier-sayings.js';
import { type ImportOptions, TURNS_PER_CALL } from './import-memories.js';
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

// Sessions stored at once: one call's embedding, PII check and sketches run while the other's commit waits for the
// disk (+22 % turns/s importing into a SQLite bank of 100,000, docs/benchmarks.md, "Two sessions at once"; a third
// call in flight gained nothing more in an earlier probe).
const SESSIONS_IN_FLIGHT = 2;

// The calls of one session so far, each with the turns it stored and their results, and whether more will come.
interface SessionCalls {
  calls: { turns: ConversationSession['turns']; results: (RetainResult | Error)[] }[];
  done: boolean;
}

/**
 * Stores conversations read from a file, one `retainConversation` call per session (a session over TURNS_PER_CALL
 * turns is split into calls that append in order). A file with problems stores nothing: a session stored
 * around a missing turn would get that turn at its end once corrected and imported again, out of order.
 * Idempotent: a session imported again is deduplicated. Two sessions are stored at once; their results are counted
 * in the file's order, so the summary and its first problems are those of storing one session at a time.
 */
export async function importConversations(
  brain: Brain,
  bankId: string,
  read: ReadConversations,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  checkBankId(bankId);
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
  const sessions: SessionCalls[] = read.sessions.map(() => ({ calls: [], done: false }));
  // The first session whose results are not all counted, and how many of its calls are.
  let head = 0;
  let counted = 0;
  // Once the import has stopped on a failure, every call that completed is counted, those of the session stored
  // beside the failing one included: it may come later in the file, and its turns are stored all the same.
  const count = (stopped = false) => {
    while (head < sessions.length) {
      const session = sessions[head] as SessionCalls;
      for (; counted < session.calls.length; counted++) {
        const { turns, results } = session.calls[counted] as SessionCalls['calls'][number];
        results.forEach((result, i) => {
          noteOutcome(summary, (turns[i] as { place: ImportPlace }).place, result);
        });
        summary.records += turns.length;
        options.onProgress?.(summary);
      }
      if (!session.done && !stopped) return;
      head += 1;
      counted = 0;
    }
  };
  let next = 0;
  let failed = false;
  // A session that comes back after another is a later entry with the same id: it waits until the earlier one is
  // stored, so that its turns are appended after those.
  const lastOf = new Map<string, number>();
  const earlier = new EarlierSayings();
  const stored: Promise<void>[] = [];
  const storeSessions = async () => {
    while (!failed && next < read.sessions.length) {
      const index = next++;
      const session = read.sessions[index] as ConversationSession;
      const calls = sessions[index] as SessionCalls;
      const before = lastOf.get(session.sessionId);
      lastOf.set(session.sessionId, index);
      let done = () => {};
      stored[index] = new Promise((resolve) => {
        done = resolve;
      });
      try {
        if (before !== undefined) await stored[before];
        for (let start = 0; start < session.turns.length && !failed; start += TURNS_PER_CALL) {
          const turns = session.turns.slice(start, start + TURNS_PER_CALL);
          const results = await confineFailures(turns, (some) =>
            earlier.retain(
              session.sessionId,
              session.occurredAt,
              some.map((entry) => entry.turn),
              (sent) =>
                brain.retainConversation(sent, {
                  bankId,
                  sessionId: session.sessionId,
                  ...(session.occurredAt ? { occurredAt: session.occurredAt } : {}),
                  ...(options.context ? { context: options.context } : {}),
                }),
            ),
          );
          calls.calls.push({ turns, results });
          count();
        }
      } catch (error) {
        // The other session's call in flight ends; no further call starts.
        failed = true;
        throw error;
      } finally {
        done();
      }
      calls.done = true;
      count();
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: SESSIONS_IN_FLIGHT }, storeSessions));
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure) {
    count(true);
    throw failure.reason;
  }
  return summary;
}
