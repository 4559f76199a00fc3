import type { AstrocyteContext, Brain, ConversationTurn, RetainResult } from '@astrocyte/core';
import { messageText, type SessionEvent } from './session-events.js';

/** The speakers transcript turns are stored under. */
export const TRANSCRIPT_SPEAKERS = { user: 'user', agent: 'agent' } as const;

/** Where a transcript goes: the bank, and the Managed Agents session that becomes its episode. */
export interface TranscriptTarget {
  bankId: string;
  sessionId: string;
  context?: AstrocyteContext;
}

/**
 * What was said in one turn, in order: the user's message and the agent's reply, consecutive messages of one
 * speaker joined by blank lines, each dated when its first message was processed. A turn that called
 * `memory_forget` is not kept: its messages name what was forgotten, and storing them would bring it back.
 */
export class TurnTranscript {
  private turns: ConversationTurn[] = [];
  private forgot = false;

  /**
   * `readUserMessages`: take the user's side from `user.message` events (an observer of the session); a runner
   * that sends the message itself passes it to `addUser` instead.
   */
  constructor(private readonly readUserMessages: boolean) {}

  /** Adds what the user said, at `at` (default: now, for a message the caller has just sent). */
  addUser(text: string, at: Date = new Date()): void {
    this.add(TRANSCRIPT_SPEAKERS.user, text, at);
  }

  /** Takes in one event: a message, or a tool call that forgot something. */
  accept(event: SessionEvent): void {
    if (event.type === 'agent.message')
      this.add(TRANSCRIPT_SPEAKERS.agent, messageText(event) ?? '', processedAt(event.processed_at));
    else if (event.type === 'user.message' && this.readUserMessages)
      this.addUser(messageText(event) ?? '', processedAt(event.processed_at));
    else if (event.type === 'agent.custom_tool_use' && event.name === 'memory_forget') this.forgot = true;
  }

  /** The turn's conversation turns, or null when there is nothing to keep; starts the next turn either way. */
  take(): ConversationTurn[] | null {
    const turns = this.forgot || this.turns.length === 0 ? null : this.turns;
    this.turns = [];
    this.forgot = false;
    return turns;
  }

  private add(speaker: string, text: string, at: Date): void {
    if (text.trim() === '') return;
    const last = this.turns.at(-1);
    if (last?.speaker === speaker) last.text = `${last.text}\n\n${text}`;
    else this.turns.push({ speaker, text, occurredAt: at });
  }
}

// A turn's time is part of what makes it a duplicate: without one, "yes" said again in a later turn of the session
// would read as the session stored again, and be skipped. The session's own time of the event, not this process's,
// so that two listeners of one session store its turns once. (A queued user message has none yet.)
function processedAt(at: string | null | undefined): Date {
  const parsed = at ? new Date(at) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date();
}

/** Retains a turn's conversation as the next turns of the session's episode; governance applies as to any retain. */
export function retainTranscript(
  brain: Brain,
  turns: ConversationTurn[],
  target: TranscriptTarget,
): Promise<RetainResult[]> {
  return brain.retainConversation(turns, {
    bankId: target.bankId,
    sessionId: target.sessionId,
    ...(target.context ? { context: target.context } : {}),
  });
}
