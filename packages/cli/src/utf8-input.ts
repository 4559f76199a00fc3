import { Readable } from 'node:stream';
import { lineNotUtf8 } from '@astrocyte/core';
import { UsageError } from './cli-errors.js';
import { overLimitMark } from './over-limit-line.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NEWLINE = 0x0a;
const CONVERT = 'convert it first, e.g. iconv -f latin1 -t utf-8 in.json > out.json';
const CONVERT_AND_IMPORT =
  'convert it first, e.g. iconv -f latin1 -t utf-8 in.jsonl > out.jsonl; an import stops at that line (the lines ' +
  'before it may be stored already: a rerun stores only what is missing)';

/**
 * The input as it is read, line by line checked to be UTF-8, and without the byte order mark some editors (and
 * PowerShell) write first: JSON.parse refuses the mark, so a file saved that way would lose its first line, or a JSON
 * document all of it. Bytes that are not UTF-8 (a Latin-1 or UTF-16 file) would be read as U+FFFD and stored so,
 * their text lost: the reading stops at the line that holds them. A newline byte is never part of another character in
 * UTF-8, so each line is checked whole. A line over `maxLineBytes` is never held whole, whatever its length (a line
 * of 600 million characters is more than one JavaScript string can hold): its bytes are dropped as they come, and
 * the line is given as the mark of over-limit-line.ts.
 */
export function utf8Input(input: Readable, name: string, maxLineBytes = Number.POSITIVE_INFINITY): Readable {
  async function* checked() {
    // The first bytes, until there are enough to see whether they are the mark.
    let head: Buffer | null = Buffer.alloc(0);
    // The bytes after the last newline read, in pieces: a line as long as the whole input is joined once.
    let rest: Buffer[] = [];
    let restBytes = 0;
    // The line being read is over maxLineBytes: its bytes are dropped up to its newline.
    let dropping = false;
    let line = 1;
    for await (const chunk of input) {
      let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (head) {
        head = Buffer.concat([head, bytes]);
        if (head.length < BOM.length) continue;
        bytes = head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
        head = null;
      }
      if (dropping) {
        const newline = bytes.indexOf(NEWLINE);
        if (newline < 0) continue;
        dropping = false;
        line += 1;
        yield overLimitMark(maxLineBytes);
        bytes = bytes.subarray(newline + 1);
      }
      const end = bytes.lastIndexOf(NEWLINE) + 1;
      if (end > 0) {
        const lines = withinLimit(Buffer.concat([...rest, bytes.subarray(0, end)]), maxLineBytes);
        line = checkLines(lines, line, name, CONVERT_AND_IMPORT);
        yield lines;
        rest = [];
        restBytes = 0;
      }
      rest.push(bytes.subarray(end));
      restBytes += bytes.length - end;
      if (restBytes > maxLineBytes) {
        rest = [];
        restBytes = 0;
        dropping = true;
      }
    }
    if (dropping) {
      yield overLimitMark(maxLineBytes);
      return;
    }
    const last = Buffer.concat(head ? [head] : rest);
    if (last.length > 0) {
      checkLines(last, line, name, CONVERT_AND_IMPORT);
      yield last;
    }
  }
  return Readable.from(checked(), { objectMode: false });
}

/**
 * `bytes` as text, when they are UTF-8, without a byte order mark at the start; `name` says where they came from in
 * the error.
 */
export function utf8Text(bytes: Buffer, name: string): string {
  const text = bytes.subarray(0, BOM.length).equals(BOM) ? bytes.subarray(BOM.length) : bytes;
  checkLines(text, 1, name, CONVERT);
  return text.toString('utf8');
}

// `lines`, each ending with a newline, with every line over `maxLineBytes` (its newline aside) replaced by the mark.
function withinLimit(lines: Buffer, maxLineBytes: number): Buffer {
  if (lines.length <= maxLineBytes) return lines;
  const kept: Buffer[] = [];
  for (let at = 0; at < lines.length; ) {
    const end = lines.indexOf(NEWLINE, at) + 1;
    kept.push(end - 1 - at > maxLineBytes ? overLimitMark(maxLineBytes) : lines.subarray(at, end));
    at = end;
  }
  return Buffer.concat(kept);
}

// Checks each line of `bytes`, the first numbered `line`; returns the number of the line after them. `fix` goes with
// the error.
function checkLines(bytes: Buffer, line: number, name: string, fix: string): number {
  const bad = lineNotUtf8(bytes);
  if (bad !== null) throw notUtf8(name, line + bad - 1, fix);
  return line + count(bytes, NEWLINE);
}

function count(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let at = bytes.indexOf(byte); at >= 0; at = bytes.indexOf(byte, at + 1)) n++;
  return n;
}

function notUtf8(name: string, line: number, fix: string): UsageError {
  return new UsageError(`${name} is not UTF-8: line ${line} holds bytes that are not (a Latin-1 or UTF-16 file?)`, fix);
}
