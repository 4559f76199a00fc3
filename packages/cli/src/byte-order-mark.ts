import { Readable } from 'node:stream';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The input without the UTF-8 byte order mark some editors (and PowerShell) write first: JSON.parse refuses it, so
 * a file saved that way would lose its first line, or a JSON document all of it.
 */
export function withoutByteOrderMark(input: Readable): Readable {
  async function* strip() {
    let head = Buffer.alloc(0);
    let checked = false;
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (checked) {
        yield bytes;
        continue;
      }
      head = Buffer.concat([head, bytes]);
      if (head.length < BOM.length) continue;
      checked = true;
      yield head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
    }
    if (!checked && head.length > 0) yield head;
  }
  return Readable.from(strip(), { objectMode: false });
}
