import { type ConversationTurn, type JsonObject, lostKey } from '@astrocyte/core';
import { describe, notText, offsetMissing, strictDate } from './conversation-lines.js';
import type { ConversationSession, ReadConversations } from './import-conversations.js';

const MONTHS = 'january february march april may june july august september october november december'.split(' ');

/**
 * Reads a LoCoMo-style JSON document, one sample or a list of them. Each `conversation.session_N` (a list of
 * `{speaker, dia_id, text}` turns) becomes the session `<sample_id>/session_N`, dated by `session_N_date_time`;
 * every field of a turn but `speaker` and `text` (dia_id, img_url, blip_caption…) is kept in its metadata. The rest
 * of a sample (questions, summaries) is not conversation and is ignored.
 */
export function readLocomo(text: string): ReadConversations {
  const read: ReadConversations = { sessions: [], problems: [], records: 0 };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : text.split('\n').length;
    read.problems.push({ line, reason: `not valid JSON: ${message}` });
    return read;
  }
  // JSON.parse kept the last of a key given twice (which of the two was meant is unknown), or took `__proto__` for
  // the prototype.
  const lost = lostKey(text);
  if (lost !== null) {
    read.problems.push({ ...placeOf(data, lost.path), reason: lost.reason });
    return read;
  }
  const samples = Array.isArray(data) ? data : [data];
  samples.forEach((sample, i) => {
    readSample(sample, i, read);
  });
  return read;
}

// Where a path of lostKey lies, named as the file's other problems are: its sample (by sample_id, else by
// number) and the field within it, list items in brackets.
function placeOf(data: unknown, path: string): { sample: string; field: string } {
  const [first = '', ...rest] = path.split('.');
  const index = Array.isArray(data) ? Number(first) : 0;
  const sample: unknown = Array.isArray(data) ? data[index] : data;
  const id = typeof sample === 'object' && sample !== null ? (sample as { sample_id?: unknown }).sample_id : undefined;
  const field = (Array.isArray(data) ? rest : [first, ...rest]).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  return { sample: typeof id === 'string' ? id : `#${index + 1}`, field };
}

// A sample's sessions go to `read.sessions`, what is wrong with it to `read.problems`.
function readSample(sample: unknown, index: number, read: ReadConversations): void {
  const problem = (name: string, field: string, reason: string): void => {
    read.problems.push({ sample: name, field, reason });
  };
  const fallback = `#${index + 1}`;
  if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
    problem(fallback, '(sample)', 'must be a JSON object with sample_id and conversation');
    return;
  }
  const { sample_id: id, conversation } = sample as Record<string, unknown>;
  const wrongId = notText(id);
  if (wrongId) {
    problem(fallback, 'sample_id', `${wrongId}; it names the sessions, <sample_id>/session_N`);
    return;
  }
  const name = id as string;
  if (typeof conversation !== 'object' || conversation === null || Array.isArray(conversation)) {
    problem(name, 'conversation', `must be an object of session_N turn lists, got ${describe(conversation)}`);
    return;
  }
  const record = conversation as Record<string, unknown>;
  const keys = sessionKeys(record);
  if (keys.length === 0) problem(name, 'conversation', 'has no session_N turn list');
  for (const [i, key] of keys.entries()) {
    const field = `conversation.${key}`;
    // Two keys for one session number (session_1, session_01): which of the two comes first is unknown.
    const twin = keys[i - 1];
    if (twin !== undefined && sessionNumber(twin) === sessionNumber(key)) {
      problem(
        name,
        field,
        `names session ${sessionNumber(key)}, as conversation.${twin} does; give each session one key`,
      );
      continue;
    }
    const turns = record[key];
    if (!Array.isArray(turns)) {
      problem(name, field, `must be a list of turns, got ${describe(turns)}`);
      continue;
    }
    const session: ConversationSession = { sessionId: `${name}/${key}`, turns: [] };
    const dateText = record[`${key}_date_time`];
    if (dateText !== undefined && dateText !== null) {
      const date = typeof dateText === 'string' ? parseSessionDate(dateText) : null;
      if (date) session.occurredAt = date;
      else
        problem(
          name,
          `${field}_date_time`,
          offsetMissing(dateText) ??
            `cannot be read as a date: ${describe(dateText)}; expected e.g. "1:56 pm on 8 May, 2023" or an ISO 8601 date`,
        );
    }
    turns.forEach((value: unknown, t) => {
      read.records += 1;
      const at = `${field}[${t}]`;
      const turn = readTurn(value);
      if ('reason' in turn) problem(name, `${at}${turn.field}`, turn.reason);
      else session.turns.push({ turn, place: { sample: name, field: at } });
    });
    read.sessions.push(session);
  }
}

// The session_N keys of a conversation as the file spells them, in session order; keys naming one number
// (session_1, session_01) side by side.
function sessionKeys(conversation: Record<string, unknown>): string[] {
  return Object.keys(conversation)
    .filter((key) => /^session_\d+$/.test(key))
    .sort((a, b) => compareNumbers(sessionNumber(a), sessionNumber(b)) || a.localeCompare(b));
}

// The session number of a key, as digits without leading zeros: exact however many digits it has.
function sessionNumber(key: string): string {
  return key.slice('session_'.length).replace(/^0+(?=\d)/, '');
}

function compareNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

// A turn, or what is wrong with it: `field` is the part of the turn at fault, "" for the turn itself.
function readTurn(value: unknown): ConversationTurn | { field: string; reason: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { field: '', reason: `must be an object with speaker and text, got ${describe(value)}` };
  const { speaker, text, ...rest } = value as Record<string, unknown>;
  const wrongSpeaker = notText(speaker);
  if (wrongSpeaker) return { field: '.speaker', reason: wrongSpeaker };
  if (typeof text !== 'string') return { field: '.text', reason: `must be a string, got ${describe(text)}` };
  return {
    speaker: speaker as string,
    text,
    ...(Object.keys(rest).length > 0 ? { metadata: rest as JsonObject } : {}),
  };
}

/**
 * Parses a session date as LoCoMo writes it, `1:56 pm on 8 May, 2023` (in UTC: the format has no zone), or an
 * ISO 8601 date, a date-time with its offset; null for anything else.
 */
export function parseSessionDate(text: string): Date | null {
  const match = /^\s*(\d{1,2}):(\d{2})\s*([ap]m)\s+on\s+(\d{1,2})\s+([a-z]+),?\s+(\d{4})\s*$/i.exec(text);
  if (match) {
    const [hour, minute, half, day, monthName, year] = match.slice(1) as string[];
    const month = MONTHS.indexOf((monthName as string).toLowerCase());
    if (month < 0 || Number(hour) > 12 || Number(minute) > 59) return null;
    const hour24 = (Number(hour) % 12) + ((half as string).toLowerCase() === 'pm' ? 12 : 0);
    const date = new Date(Date.UTC(Number(year), month, Number(day), hour24, Number(minute)));
    // Date.UTC rolls 31 April over into May; a day the month lacks is a typo, not a date.
    return date.getUTCDate() === Number(day) ? date : null;
  }
  return strictDate(text);
}
