import { DEFAULTS } from './defaults.js';
import { ValidationError } from './errors.js';
import { PROTOTYPE_KEY_REASON } from './lost-keys.js';
import { didYouMean, nearestKey } from './nearest-key.js';
import { OPTION_KEYS } from './option-keys.js';
import type { JsonObject } from './types.js';

/** Limits on what retain accepts; `maxContentLength` and `chunkSize` are configurable, the rest protect every backend. */
export interface Limits {
  maxContentLength: number;
  /** A text longer than this is stored as an episode of chunks of at most this many characters. */
  chunkSize: number;
  maxSpeakerLength: number;
  maxTags: number;
  maxTagLength: number;
  maxMetadataBytes: number;
  maxPathLength: number;
  maxQueryLength: number;
  maxBatchSize: number;
  maxResults: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxContentLength: DEFAULTS.limits.maxContentLength,
  chunkSize: DEFAULTS.limits.chunkSize,
  maxSpeakerLength: 200,
  maxTags: 32,
  maxTagLength: 64,
  maxMetadataBytes: 16 * 1024,
  maxPathLength: 1024,
  maxQueryLength: 10_000,
  maxBatchSize: 10_000,
  maxResults: 100,
};

// The ranges astrocyte.yaml gives the two limits it sets (limits.max_content_length, limits.chunk_size).
const LIMIT_RANGES: Partial<Record<keyof Limits, [number, number]>> = {
  maxContentLength: [1, 16_000_000],
  chunkSize: [200, 1_000_000],
};

/** The brain's `limits` option over the defaults: known keys, each a whole number in its range (any count ≥ 1 else). */
export function checkLimits(given: unknown): Limits {
  if (given === undefined || given === null) return { ...DEFAULT_LIMITS };
  if (typeof given !== 'object' || Array.isArray(given))
    throw new ValidationError('limits', `must be an object, got ${typeOf(given)}`);
  checkKnownKeys(given, OPTION_KEYS.limits, 'limits.', 'a limit');
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(given) as [keyof Limits, unknown][]) {
    const [min, max] = LIMIT_RANGES[key] ?? [1, Number.MAX_SAFE_INTEGER];
    limits[key] = checkInteger(value, `limits.${key}`, min, max, DEFAULT_LIMITS[key]);
  }
  return limits;
}

/** What a bank id is: the pattern, and the rule as messages state it. */
export const BANK_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$/;
export const BANK_ID_RULE = '1 to 255 characters of letters, digits and . _ : @ -, starting with a letter or digit';

/** Throws unless `bankId` is a valid bank id (DESIGN §6). */
export function checkBankId(bankId: unknown, field = 'bankId'): string {
  if (typeof bankId !== 'string' || !BANK_ID.test(bankId)) {
    throw new ValidationError(field, `must be ${BANK_ID_RULE}; got ${describeValue(bankId)}`);
  }
  return bankId;
}

/** The banks a recall or reflect searches: `bankIds`, else `[bankId]`, each checked, at least one. */
export function resolveBanks(options: { bankId?: string; bankIds?: string[] }): string[] {
  if (options.bankIds !== undefined) {
    if (!Array.isArray(options.bankIds) || options.bankIds.length === 0) {
      throw new ValidationError('bankIds', 'must be a non-empty array of bank ids');
    }
    if (options.bankIds.length > 100) throw new ValidationError('bankIds', 'at most 100 banks per search');
    return [...new Set(options.bankIds.map((id, i) => checkBankId(id, `bankIds[${i}]`)))];
  }
  return [checkBankId(options.bankId)];
}

/**
 * Throws a ValidationError naming the first key of `value` not in `known` (`${prefix}${key}`): a misspelt option
 * (`tag` for `tags`, a turn's `at` for `occurredAt`) would otherwise be dropped in silence, and what it carried lost.
 * A value that is not an object is left to the caller's own checks.
 */
export function checkKnownKeys(value: unknown, known: readonly string[], prefix: string, what: string): void {
  if (typeof value !== 'object' || value === null) return;
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw new ValidationError(
      `${prefix}${unknown}`,
      `is not ${what}; expected ${known.join(', ')}${didYouMean(nearestKey(unknown, known))}`,
    );
}

/** Throws unless `content` is a non-empty string within the length limit. */
export function checkContent(content: unknown, limits: Limits, field = 'content'): string {
  return checkText(content, limits.maxContentLength, field);
}

/**
 * Throws unless `text` is text every backend can store alike: no lone surrogate (half of a UTF-16 pair, which has no
 * UTF-8 form) and no NUL (which Postgres cannot hold in text or JSON).
 */
export function checkCharacters(text: string, field: string): string {
  // With the u flag a surrogate only matches when it is not half of a pair.
  if (/[\uD800-\uDFFF]/u.test(text)) {
    throw new ValidationError(
      field,
      'contains a lone surrogate (half of a UTF-16 pair), which is not valid Unicode text',
    );
  }
  if (text.includes('\u0000')) throw new ValidationError(field, 'must not contain the NUL character (U+0000)');
  return text;
}

/** A tag as the brain stores and compares it: trimmed, in Unicode's composed form (NFC). */
export function normalizeTag(tag: string): string {
  // One form per tag, as for text: a tag typed "café" on one keyboard and "cafe\u0301" on another is one tag,
  // which a forget by tag must find.
  return tag.trim().normalize('NFC');
}

/** Trimmed, de-duplicated tags within the count and length limits. */
export function checkTags(tags: unknown, limits: Limits, field = 'tags'): string[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw new ValidationError(field, `must be an array of strings, got ${typeOf(tags)}`);
  const cleaned = new Set<string>();
  for (const [i, tag] of tags.entries()) {
    if (typeof tag !== 'string') throw new ValidationError(`${field}[${i}]`, `must be a string, got ${typeOf(tag)}`);
    const trimmed = normalizeTag(checkCharacters(tag, `${field}[${i}]`));
    if (trimmed.length === 0) continue;
    if (trimmed.length > limits.maxTagLength) {
      throw new ValidationError(
        `${field}[${i}]`,
        `is ${trimmed.length} characters; the limit is ${limits.maxTagLength}`,
      );
    }
    cleaned.add(trimmed);
  }
  if (cleaned.size > limits.maxTags)
    throw new ValidationError(field, `has ${cleaned.size} tags; the limit is ${limits.maxTags}`);
  return [...cleaned];
}

/**
 * The tags a recall or a listing is filtered by, as checkTags gives them; a filter of blank tags only is refused, not
 * dropped: dropped, it matched every memory of the bank. An empty list, like none, filters nothing.
 */
export function checkTagFilter(tags: unknown, limits: Limits, field = 'tags'): string[] {
  const cleaned = checkTags(tags, limits, field);
  if (cleaned.length === 0 && Array.isArray(tags) && tags.length > 0)
    throw new ValidationError(
      field,
      'names only blank tags, which no memory carries; leave it out to match every memory',
    );
  return cleaned;
}

/** A plain JSON object whose serialized size is within the limit. */
export function checkMetadata(metadata: unknown, limits: Limits, field = 'metadata'): JsonObject {
  if (metadata === undefined || metadata === null) return {};
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ValidationError(field, `must be a JSON object, got ${typeOf(metadata)}`);
  }
  if (metadata instanceof Map || metadata instanceof Set)
    throw new ValidationError(field, `must be a plain object: a ${metadata.constructor.name} is stored as {}`);
  let json: string;
  try {
    checkNumbers(metadata, field);
    // A toJSON can return what the object given did not hold: a number that is not finite is caught as it is written.
    json = JSON.stringify(metadata, (key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value))
        throw new ValidationError(
          field,
          `must hold only finite numbers: "${key}" is ${value} once serialized, which JSON would store as null`,
        );
      return value;
    });
  } catch (cause) {
    if (ValidationError.isInstance(cause)) throw cause;
    // A getter or a toJSON of the caller's that throws: the caller's data, so a ValidationError, not a crash.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError(field, `must be serializable as JSON; reading it failed: ${reason}`, { cause });
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > limits.maxMetadataBytes) {
    throw new ValidationError(field, `is ${bytes} bytes as JSON; the limit is ${limits.maxMetadataBytes}`);
  }
  // What is stored is the JSON, not the object given: a round trip drops undefined values and functions, and a
  // toJSON (or a Map, which serializes as {}) may turn it into something else, so the JSON is what gets checked.
  const stored: unknown = JSON.parse(json);
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored))
    throw new ValidationError(field, `must be a JSON object, got ${typeOf(stored)} once serialized`);
  checkJsonText(stored, field);
  return stored as JsonObject;
}

/**
 * How deep objects and arrays may nest in metadata. Far deeper than any metadata means, and shallow enough that
 * checking it level by level (and Postgres's jsonb) never runs out of stack: a few thousand levels fit in 16 KB.
 */
export const MAX_METADATA_DEPTH = 64;

// What JSON would change in silence, found in the value given: Infinity and NaN, which it stores as null. The depth
// is bounded here too, before JSON.stringify recurses (thousands of levels overflow its stack).
function checkNumbers(value: unknown, field: string, within: object[] = []): void {
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new ValidationError(field, `must be a finite number, got ${value}: JSON has none and would store null`);
  if (typeof value !== 'object' || value === null) return;
  if (within.includes(value)) throw new ValidationError(field, 'holds itself (a cycle), which JSON cannot write');
  if (within.length >= MAX_METADATA_DEPTH)
    throw new ValidationError(field, `nests objects or arrays deeper than ${MAX_METADATA_DEPTH} levels`);
  const array = Array.isArray(value);
  for (const [key, item] of Object.entries(value))
    checkNumbers(item, array ? `${field}[${key}]` : `${field}.${key}`, [...within, value]);
}

// Every key and string of a JSON value, checked as text; the field names the path to it (`metadata.owner.name`).
function checkJsonText(value: unknown, field: string, depth = 1): void {
  if (typeof value === 'string') checkCharacters(value, field);
  else if (typeof value === 'object' && value !== null) {
    if (depth > MAX_METADATA_DEPTH) {
      throw new ValidationError(field, `nests objects or arrays deeper than ${MAX_METADATA_DEPTH} levels`);
    }
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) checkJsonText(item, `${field}[${i}]`, depth + 1);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (key === '__proto__') throw new ValidationError(`${field}.${key}`, PROTOTYPE_KEY_REASON);
      checkCharacters(key, `${field} key ${JSON.stringify(key)}`);
      checkJsonText(item, `${field}.${key}`, depth + 1);
    }
  }
}

/**
 * A speaker as the brain stores and compares it: trimmed, in Unicode's composed form (NFC), as a tag. The speaker is
 * part of a turn's hash: "Zoë" written decomposed (as macOS and some exporters do) stored every turn of hers again.
 * A speaker already composed (any ASCII name) is unchanged, and so are the hashes of the turns stored under it.
 */
export function normalizeSpeaker(name: string): string {
  return name.trim().normalize('NFC');
}

/** A conversation speaker: a non-empty name within the length limit, normalized (normalizeSpeaker), on one line. */
export function checkSpeaker(speaker: unknown, limits: Limits, field = 'speaker'): string {
  const name = normalizeSpeaker(checkText(speaker, limits.maxSpeakerLength, field));
  // A turn is shown as "name: text" in the keyword index, the embedder's input and reflect's prompt: a line break in
  // the name (U+2028 and U+2029 are line breaks too) would read there as a turn of its own.
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(name)) {
    throw new ValidationError(
      field,
      `must be a name without line breaks, tabs or other control characters, got ${describeValue(name)}`,
    );
  }
  // A name of zero-width characters alone would show as no name at all.
  if (!/[\p{L}\p{N}\p{P}\p{S}]/u.test(name))
    throw new ValidationError(field, `must have a visible character, got ${describeValue(name)}`);
  return name;
}

/** An episode (session) id: 1 to 128 characters, no control characters. */
export function checkSessionId(id: unknown, field = 'sessionId'): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128 || /\p{Cc}/u.test(id)) {
    throw new ValidationError(
      field,
      `must be a string of 1 to 128 characters without control characters, got ${describeValue(id)}`,
    );
  }
  return checkCharacters(id, field);
}

/** A slash-separated path without empty segments, or null. */
export function checkPath(path: unknown, limits: Limits, field = 'path'): string | null {
  if (path === undefined || path === null) return null;
  if (typeof path !== 'string') throw new ValidationError(field, `must be a string, got ${typeOf(path)}`);
  const trimmed = checkCharacters(path, field)
    .trim()
    .replace(/^\/+|\/+$/g, '');
  if (trimmed.length === 0) return null;
  if (trimmed.length > limits.maxPathLength)
    throw new ValidationError(field, `the limit is ${limits.maxPathLength} characters`);
  if (trimmed.split('/').some((segment) => segment.trim().length === 0)) {
    throw new ValidationError(field, `must not contain empty segments, got ${describeValue(path)}`);
  }
  return trimmed;
}

// YYYY-MM-DD, optionally followed by Thh:mm, seconds, a fraction and a zone (Z or ±hh:mm); without a zone the time
// is local, as JavaScript reads it.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))?)?$/;

// The years every backend stores alike (Postgres timestamps reach further back and forward, JavaScript further still).
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

/**
 * A Date from a Date or a strict ISO 8601 date or date-time string, or null when absent. Strings JavaScript would
 * bend into another day (`2025-02-30`, `1`, `March 3`) are refused, as are instants outside years 1 to 9999.
 */
export function checkDate(value: unknown, field: string): Date | null {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : typeof value === 'string' ? parseIsoDate(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    // A string came from a text surface (HTTP, a tool, the CLI), where a JavaScript Date means nothing.
    const wanted = `${typeof value === 'string' ? 'an' : 'a Date or an'} ISO 8601 date or date-time`;
    throw new ValidationError(
      field,
      `must be ${wanted} such as 2025-03-01, 2025-03-01T09:30Z or 2025-03-01T09:30:00.250+02:00, got ${describeValue(value)}`,
    );
  }
  const year = date.getUTCFullYear();
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new ValidationError(field, `must fall in the years ${MIN_YEAR} to ${MAX_YEAR}, got ${date.toISOString()}`);
  }
  return date;
}

/**
 * The inclusive end of a range: a day without a time (`2025-03-01`) ends at its last millisecond, so that the day
 * given is in the range, as one means by "to 1 March".
 */
export function checkRangeEnd(value: unknown, field: string): Date | null {
  const date = checkDate(value, field);
  const dayAlone = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
  return date && dayAlone ? new Date(date.getTime() + 86_400_000 - 1) : date;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// The Date of a strict ISO 8601 string, or undefined when the string is not one or names a day that does not exist.
function parseIsoDate(text: string): Date | undefined {
  const parts = ISO_8601.exec(text);
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second, zoneHour, zoneMinute] = parts
    .slice(1)
    .map((part) => Number(part ?? 0)) as [number, number, number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const lastDay = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  const valid =
    day >= 1 && day <= lastDay && hour <= 23 && minute <= 59 && second <= 59 && zoneHour <= 23 && zoneMinute <= 59;
  return valid ? new Date(text) : undefined;
}

/** An integer in [min, max], or the default when absent. */
export function checkInteger(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

/** A number in [0, 1] (a share, a weight, a score), or the default when absent. */
export function checkFraction<F extends number | undefined>(value: unknown, field: string, fallback: F): number | F {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ValidationError(field, `must be a number in [0, 1], got ${describeValue(value)}`);
  }
  return value;
}

/** Why something was done, kept in history: absent, or a string of at most 1000 characters. */
export function checkReason(reason: unknown, field = 'reason'): string | undefined {
  if (reason === undefined || reason === null) return undefined;
  if (typeof reason !== 'string') throw new ValidationError(field, `must be a string, got ${typeOf(reason)}`);
  if (reason.length > 1000) throw new ValidationError(field, `is ${reason.length} characters; the limit is 1000`);
  return checkCharacters(reason, field);
}

/** A search query: a non-empty string within the limit. */
export function checkQuery(query: unknown, limits: Limits, field = 'query'): string {
  return checkText(query, limits.maxQueryLength, field);
}

function checkText(text: unknown, maxLength: number, field: string): string {
  if (typeof text !== 'string') throw new ValidationError(field, `must be a string, got ${typeOf(text)}`);
  if (text.trim().length === 0) throw new ValidationError(field, 'must not be empty');
  if (text.length > maxLength)
    throw new ValidationError(field, `is ${text.length} characters; the limit is ${maxLength}`);
  return checkCharacters(text, field);
}

/**
 * A value as an error message shows it after "got": a string quoted, a number, boolean or bigint as written, an
 * object or array as its JSON when it has one, anything else by its type; cut at 80 characters. It never throws:
 * JSON.stringify does on a bigint or a cycle, and a message about bad input must not fail on that input.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  let json: string | undefined;
  if (typeof value === 'string' || (typeof value === 'object' && value !== null)) {
    try {
      json = JSON.stringify(typeof value === 'string' ? value.slice(0, 81) : value);
    } catch {
      // A cycle or a bigint inside: described by its type below.
    }
  }
  if (json === undefined) return typeOf(value);
  return json.length > 80 ? `${json.slice(0, 79)}…` : json;
}

function typeOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A memory id; ids are opaque strings chosen by the store, so only their shape is checked, and that they are text
 * every store can compare (Postgres refuses NUL in a query where SQLite would find nothing).
 */
export function checkMemoryId(id: unknown, field = 'memoryId'): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new ValidationError(field, `must be a memory id string, got ${describeValue(id)}`);
  }
  return checkCharacters(id, field);
}

/** A list of memory ids (see checkMemoryId). */
export function checkMemoryIds(ids: unknown, field = 'memoryIds'): string[] {
  if (!Array.isArray(ids)) throw new ValidationError(field, 'must be an array of memory ids');
  if (ids.length > 10_000) throw new ValidationError(field, 'at most 10,000 ids per call');
  return ids.map((id, i) => checkMemoryId(id, `${field}[${i}]`));
}
