/** What the keyword index holds for one memory, column by column; the stores weigh the columns as KEYWORD_WEIGHTS. */
export interface KeywordFields {
  /** The memory's text, after its speaker's name for a conversation turn ("Ann: …"), as a transcript reads. */
  text: string;
  /** The memory's date in words, so that "in May 2023" finds what happened then. */
  date: string;
  /** The text of its live neighbours in its episode: the question a turn answers is often asked the turn before. */
  context: string;
}

/**
 * Relative weights of the keyword columns (text, date, context), for FTS5's bm25() and Postgres's ts_rank weight
 * classes. Measured on the dev sets (docs/benchmarks.md).
 */
export const KEYWORD_WEIGHTS = { text: 1, date: 0.5, context: 0.5 } as const;

// A neighbour contributes at most this much text: enough for the question it answers, not a long reply's every word.
const NEIGHBOUR_CHARS = 1000;

const MONTHS = 'January February March April May June July August September October November December'.split(' ');
const WEEKDAYS = 'Sunday Monday Tuesday Wednesday Thursday Friday Saturday'.split(' ');

/** A date as words, in UTC: `Monday 8 May 2023`. */
export function dateWords(date: Date): string {
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

// A calendar date written as digits, year first (ISO 8601), the one numeric form that reads the same everywhere.
const ISO_DATE = /(?<![\p{L}\p{N}])(\d{4})-(\d{2})-(\d{2})(?![\p{L}\p{N}])/gu;

/**
 * The ways a query may name what it asks: as written and, when it writes a date year first in digits
 * (`2024-05-08`), with each such date in words (`Wednesday 8 May 2024`), as the index holds a memory's date. Searched
 * by digits alone, its terms `2024`, `05`, `08` match the year of every memory and the day of none. Dates written
 * `08/05/2024` are left alone: whether that is May or August depends on the writer.
 */
export function dateSpellings(query: string): string[] {
  let found = false;
  const spelled = query.replace(ISO_DATE, (digits, year: string, month: string, day: string) => {
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    // 2024-02-30 is no date: Date.UTC would roll it over to 1 March.
    if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return digits;
    found = true;
    return dateWords(date);
  });
  return found ? [query, spelled] : [query];
}

/**
 * A turn as a transcript shows it, `Ann: text`; other memories as they are. Keyword search and the embedder both
 * read turns this way, so "what did Ann say about the trip" finds Ann's turns: measured on the dev sets, the name
 * in the text found more than a column of its own.
 */
export function speakerLine(speaker: string | null, text: string): string {
  return speaker ? `${speaker}: ${text}` : text;
}

/** The keyword columns of a memory, given the text of its live episode neighbours (previous first). */
export function keywordFields(
  memory: { text: string; speaker: string | null; occurredAt: Date | null; createdAt: Date },
  neighbours: string[],
): KeywordFields {
  return {
    text: speakerLine(memory.speaker, memory.text),
    date: dateWords(memory.occurredAt ?? memory.createdAt),
    context: neighbours.map((text) => text.slice(0, NEIGHBOUR_CHARS)).join('\n'),
  };
}
