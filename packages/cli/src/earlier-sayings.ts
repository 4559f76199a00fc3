import { type ConversationTurn, type RetainResult, ValidationError } from '@astrocyte/core';
import { contentHash, DEFAULT_LIMITS, normalizeSpeaker } from '@astrocyte/core/backend';

// A turn said again word for word by its speaker is a short one ("yes", "thanks"); a long one (a pasted document)
// said again is rare, and remembering every long turn would hold a restore's longest texts in memory to its end.
const REMEMBERED_CHARS = 1_000;

/**
 * The turns of each session that earlier calls of one import stored, by what makes two turns the same (speaker, text
 * and time). The library tells a turn said again ("yes" to a second question) from its session sent again only
 * within one call, so a session stored in several calls (one that comes back after another session, or one of more
 * than TURNS_PER_CALL turns) lost a turn that repeated one of an earlier call. Sent again at the head of the call,
 * the earlier sayings of the turns it repeats are deduplicated as a session imported again, and the library counts
 * the new ones as the repeats they are.
 */
export class EarlierSayings {
  private readonly bySession = new Map<string, Map<string, ConversationTurn[]>>();

  /**
   * Calls `retain` with the earlier sayings of the turns of `turns` first, and answers for `turns` alone: their
   * results, or their ValidationError with the turn's index in `turns`. When the sayings sent again would take a call
   * past `maxPerCall` turns, the turns go in several calls, in order.
   */
  async retain(
    sessionId: string,
    occurredAt: Date | undefined,
    turns: ConversationTurn[],
    retain: (turns: ConversationTurn[]) => Promise<RetainResult[]>,
    maxPerCall = DEFAULT_LIMITS.maxBatchSize,
  ): Promise<RetainResult[]> {
    const said = this.bySession.get(sessionId) ?? new Map<string, ConversationTurn[]>();
    this.bySession.set(sessionId, said);
    // How many sayings each list held before this call: a turn refused makes the caller send the others again
    // (confineFailures), and the sayings this attempt added would then count twice.
    const before = new Map<string, number>();
    const keys = turns.map((turn) => sameness(turn, occurredAt));
    const results: RetainResult[] = [];
    try {
      while (results.length < turns.length) {
        const start = results.length;
        // As many turns as fit beside the sayings they repeat; one at least, which the library judges alone.
        const again: ConversationTurn[] = [];
        const sent = new Set<string>();
        let end = start;
        for (; end < turns.length; end++) {
          const key = keys[end] as string;
          const more = sent.has(key) ? [] : (said.get(key) ?? []);
          if (end > start && again.length + more.length + (end - start) + 1 > maxPerCall) break;
          sent.add(key);
          again.push(...more);
        }
        const answered = await retain([...again, ...turns.slice(start, end)]).catch((error: unknown) => {
          throw withTurnIndexLess(error, again.length - start);
        });
        for (const result of answered.slice(again.length)) {
          const index = results.push(result) - 1;
          const turn = turns[index] as ConversationTurn;
          // Only what is in the bank: a turn refused (a rule, the PII barrier) was not counted as said either.
          if ((!result.stored && !result.deduplicated) || turn.text.length > REMEMBERED_CHARS) continue;
          const key = keys[index] as string;
          const list = said.get(key) ?? [];
          if (!before.has(key)) before.set(key, list.length);
          list.push(turn);
          said.set(key, list);
        }
      }
    } catch (error) {
      for (const [key, length] of before) (said.get(key) as ConversationTurn[]).length = length;
      throw error;
    }
    return results;
  }
}

function sameness(turn: ConversationTurn, sessionAt: Date | undefined): string {
  const at = turn.occurredAt ?? sessionAt;
  // The speaker as the library compares it: "Zoë" written composed and decomposed is one speaker there.
  return contentHash(turn.text, {
    speaker: normalizeSpeaker(turn.speaker),
    occurredAt: at === undefined ? null : new Date(at),
  });
}

// The library names a bad turn by its place in the call (`turns[5].speaker`); the caller knows it without the turns
// sent again before it.
function withTurnIndexLess(error: unknown, shift: number): unknown {
  if (shift === 0 || !ValidationError.isInstance(error)) return error;
  const named = /^turns\[(\d+)\]/.exec(String(error.details.field));
  if (!named) return error;
  const field = `turns[${Number(named[1]) - shift}]${String(error.details.field).slice(named[0].length)}`;
  const message = error.message.slice(String(error.details.field).length + 2);
  return new ValidationError(field, message, { details: { ...error.details, field } });
}
