import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { checkDate, lostKeyError } from '@astrocyte/core';
import type { ConversationSession, ReadConversations } from './import-conversations.js';
import { overLimitReason } from './over-limit-line.js';

const KEYS = ['session', 'speaker', 'text', 'at'];

/**
 * Reads JSON Lines of conversation turns, `{"session", "speaker", "text", "at"}` (`at`, the time of the turn, is
 * optional). Consecutive lines of one session become one session in order; a session that comes back after
 * another continues where it stopped.
 */
export async function readConversationLines(input: Readable): Promise<ReadConversations> {
  const read: ReadConversations = { sessions: [], problems: [], records: 0 };
  let current: ConversationSession | undefined;
  let lineNumber = 0;
  for await (const raw of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNumber += 1;
    if (raw.trim() === '') continue;
    read.records += 1;
    const line = parseTurnLine(raw);
    if (typeof line === 'string') {
      read.problems.push({ line: lineNumber, reason: line });
      continue;
    }
    if (current?.sessionId !== line.session) {
      current = { sessionId: line.session, turns: [] };
      read.sessions.push(current);
    }
    current.turns.push({
      turn: { speaker: line.speaker, text: line.text, ...(line.at ? { occurredAt: line.at } : {}) },
      place: { line: lineNumber },
    });
  }
  return read;
}

// One line as a turn of a session, or why it is not one; the reason starts with the field at fault.
function parseTurnLine(raw: string): { session: string; speaker: string; text: string; at?: Date } | string {
  const overLimit = overLimitReason(raw);
  if (overLimit) return overLimit;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const lost = lostKeyError(raw);
  if (lost) return lost.message;
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !KEYS.includes(key));
  if (unknown) return `unknown field "${unknown}"; expected ${KEYS.join(', ')}`;
  const { session, speaker, text, at } = record;
  for (const [key, value] of [
    ['session', session],
    ['speaker', speaker],
  ] as const) {
    const wrong = notText(value);
    if (wrong) return `${key}: ${wrong}`;
  }
  if (typeof text !== 'string') return `text: must be a string, got ${describe(text)}`;
  if (at === undefined || at === null) return { session: session as string, speaker: speaker as string, text };
  const date = typeof at === 'string' ? strictDate(at) : null;
  if (!date)
    return `at: ${offsetMissing(at) ?? `must be an ISO 8601 date such as "2024-05-08T13:56:00Z", got ${describe(at)}`}`;
  return { session: session as string, speaker: speaker as string, text, at: date };
}

/** Why `value` is not a non-empty string, or undefined when it is one. */
export function notText(value: unknown): string | undefined {
  if (value === undefined) return 'missing';
  if (typeof value !== 'string' || value.trim() === '') return `must be a non-empty string, got ${describe(value)}`;
  return undefined;
}

/** A value as it appears in an error message, cut short. */
export function describe(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value)?.slice(0, 60) ?? String(value));
}

/**
 * The date of a strict ISO 8601 string, as retain reads one, or null: `2025-02-30` is not 2 March and `5` is not May
 * 2001, which JavaScript's Date would make of them. A date-time must give its offset, as the HTTP API asks: retain
 * reads one without in the process's time zone, so the same file imported under another `TZ` gave each turn another
 * time, and so another hash, and stored it again. A date alone is midnight UTC wherever it is read.
 */
export function strictDate(text: string): Date | null {
  if (withoutOffset(text)) return null;
  try {
    return checkDate(text.trim(), 'date');
  } catch {
    return null;
  }
}

/** Why strictDate refuses a date-time without its offset, or undefined when `value` is not one. */
export function offsetMissing(value: unknown): string | undefined {
  if (typeof value !== 'string' || !withoutOffset(value)) return undefined;
  return `must give its offset, Z or ±hh:mm, got ${describe(value)}: read in the time zone of the machine importing it, the same file would store other times elsewhere`;
}

// A date and a time with nothing after them: no Z, no ±hh:mm.
function withoutOffset(text: string): boolean {
  return /^\s*\d{4}-\d{2}-\d{2}T[\d:.]+\s*$/.test(text);
}
