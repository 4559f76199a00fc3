/**
 * What the line parsers of an import get in place of a line over the input's limit, which utf8Input drops as it
 * reads it, so that the import lists it among the bad lines, with its number, and goes on with the next. A NUL is
 * not JSON, so no line that could be imported reads as the mark.
 */
const MARK = '\u0000over-limit ';

/** The mark of a line over `maxLineBytes`, with its newline. */
export function overLimitMark(maxLineBytes: number): Buffer {
  return Buffer.from(`${MARK}${maxLineBytes}\n`);
}

/** Why a line is not imported when it is the mark of one over the limit; undefined for any other line. */
export function overLimitReason(line: string): string | undefined {
  const limit = line.startsWith(MARK) ? Number(line.slice(MARK.length)) : Number.NaN;
  if (!Number.isInteger(limit)) return undefined;
  return (
    `over ${limit.toLocaleString('en-US')} bytes, the longest line a text of limits.max_content_length characters ` +
    'takes with its fields; the rest of the line was not read (split the text, or raise limits.max_content_length)'
  );
}
