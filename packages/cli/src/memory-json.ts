import { type JsonObject, lostKeyError, type RetainManyItem } from '@astrocyte/core';
import { overLimitReason } from './over-limit-line.js';

const LINE_KEYS = new Set([
  'id',
  'bank_id',
  'text',
  'content',
  'tags',
  'metadata',
  'path',
  'created_at',
  'occurred_at',
  'expires_at',
  'speaker',
  'episode',
  'document_id',
]);

/** One import line read: what to retain, and its place in a conversation or a long text. */
export interface ImportedMemory {
  item: RetainManyItem;
  /** Set for a conversation turn, with `sessionId`. */
  speaker?: string;
  /** The episode a turn belongs to: its conversation session. */
  sessionId?: string;
  /** A turn's place in its session as exported: a correction is listed after its session, yet belongs inside it. */
  position?: number;
  /** Set for a chunk of a long text: lines with the same one are joined back into that text. */
  documentId?: string;
}

/**
 * Reads one import line into what to retain, or returns why it cannot be. `created_at` is restored (retain checks it),
 * so that a bank moved by export and import answers time ranges and `forget --before` as before. `id` and `bank_id`
 * are accepted and ignored: the target bank gives new ids. Unknown keys are refused, so that a misspelt field is never
 * dropped in silence, and so is a key its reader would lose (given twice, or `__proto__`).
 */
export function parseMemoryLine(line: string): ImportedMemory | string {
  const overLimit = overLimitReason(line);
  if (overLimit) return overLimit;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const lost = lostKeyError(line);
  if (lost) return lost.message;
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !LINE_KEYS.has(key));
  if (unknown) return `unknown field "${unknown}"; expected ${[...LINE_KEYS].join(', ')}`;
  // `content` is another name for `text`: with both, which one was meant is unknown.
  if (Object.hasOwn(record, 'text') && Object.hasOwn(record, 'content'))
    return 'text, content: give one of the two, they name the same field';
  const textKey = Object.hasOwn(record, 'content') ? 'content' : 'text';
  const text = record[textKey];
  if (typeof text !== 'string') return `${textKey}: must be a string`;
  const item: RetainManyItem = { content: text };
  if (record.tags !== undefined && record.tags !== null) {
    if (!Array.isArray(record.tags) || record.tags.some((tag) => typeof tag !== 'string'))
      return 'tags: must be an array of strings';
    item.tags = record.tags as string[];
  }
  if (record.metadata !== undefined && record.metadata !== null) {
    if (typeof record.metadata !== 'object' || Array.isArray(record.metadata)) return 'metadata: must be a JSON object';
    item.metadata = record.metadata as JsonObject;
  }
  for (const [key, target] of [
    ['path', 'path'],
    ['created_at', 'createdAt'],
    ['occurred_at', 'occurredAt'],
    ['expires_at', 'expiresAt'],
  ] as const) {
    const field = record[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== 'string') return `${key}: must be a string or null`;
    item[target] = field;
  }
  const place = readPlace(record);
  return typeof place === 'string' ? place : { item, ...place };
}

// The conversation and long-text fields of a line, checked against each other.
function readPlace(record: Record<string, unknown>): Omit<ImportedMemory, 'item'> | string {
  const { speaker, episode, document_id: documentId } = record;
  const place: Omit<ImportedMemory, 'item'> = {};
  if (documentId !== undefined && documentId !== null) {
    if (typeof documentId !== 'string' || documentId === '') return 'document_id: must be a non-empty string or null';
    place.documentId = documentId;
  }
  if (episode !== undefined && episode !== null) {
    if (typeof episode !== 'object' || Array.isArray(episode))
      return 'episode: must be { "id": …, "position": … } or null';
    const { id, position, ...rest } = episode as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return `episode: unknown field "${Object.keys(rest)[0]}"; expected id, position`;
    if (typeof id !== 'string' || id === '') return 'episode.id: must be a non-empty string';
    if (!Number.isInteger(position) || (position as number) < 0) return 'episode.position: must be an integer ≥ 0';
    place.sessionId = id;
    place.position = position as number;
  }
  if (speaker === undefined || speaker === null) {
    // A long text's chunks are an episode of their own, rebuilt when the joined text is stored again.
    if (place.sessionId !== undefined && place.documentId === undefined)
      return 'episode: only a conversation turn (with a speaker) or a chunk of a long text (with document_id) has one';
    delete place.sessionId;
    delete place.position;
    return place;
  }
  // Stores written before a speaker had to be one line may have exported one with a line break or tab: it comes back
  // with a space for each run of them, as retainConversation would refuse the turn (and the import lose it).
  const name = typeof speaker === 'string' ? speaker.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim() : '';
  if (name === '') return 'speaker: must be a non-empty string or null';
  if (place.sessionId === undefined)
    return 'episode: a conversation turn needs its session, { "id": …, "position": … }';
  // retainConversation has none: storing the turn without it would drop it in silence.
  if (record.path !== undefined && record.path !== null) return 'path: a conversation turn cannot carry one on import';
  return { ...place, speaker: name };
}
