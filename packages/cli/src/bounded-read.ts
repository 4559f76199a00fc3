import { closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';

/**
 * `input` as it is read, until more than `maxBytes` came: then the error `tooLarge` makes, so that an input with no
 * end (`/dev/zero`, a runaway pipe) never grows the process past that bound.
 */
export function atMost(input: Readable, maxBytes: number, tooLarge: () => Error): Readable {
  async function* bounded() {
    let read = 0;
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      read += bytes.length;
      if (read > maxBytes) throw tooLarge();
      yield bytes;
    }
  }
  return Readable.from(bounded(), { objectMode: false });
}

/** The bytes of the file at `path`, or null when it holds more than `maxBytes`: no more than that is read. */
export function readFileAtMost(path: string, maxBytes: number): Buffer | null {
  const buffer = Buffer.alloc(maxBytes + 1);
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      length += n;
      if (n === 0 || length === buffer.length) break;
    }
    return length > maxBytes ? null : buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
