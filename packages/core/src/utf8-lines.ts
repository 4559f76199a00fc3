import { isUtf8 } from 'node:buffer';

const NEWLINE = 0x0a;

/**
 * The number (from 1) of the first line of `bytes` that is not UTF-8, or null when all of it is: a newline byte is
 * never part of another character in UTF-8, so each line can be checked alone. For the error that names the line of
 * a Latin-1 or UTF-16 file, which read as UTF-8 would turn into U+FFFD.
 */
export function lineNotUtf8(bytes: Uint8Array): number | null {
  if (isUtf8(bytes)) return null;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let line = 1;
  for (let at = 0; ; line++) {
    const end = buffer.indexOf(NEWLINE, at);
    if (!isUtf8(buffer.subarray(at, end < 0 ? buffer.length : end))) return line;
    at = end + 1;
  }
}
