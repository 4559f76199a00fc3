import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { overLimitMark, overLimitReason } from './over-limit-line.js';
import { utf8Input, utf8Text } from './utf8-input.js';

// The input in the chunks given, as a file read in pieces would come.
async function readAll(chunks: Buffer[], maxLineBytes?: number): Promise<string> {
  const out: Buffer[] = [];
  const input = utf8Input(Readable.from(chunks, { objectMode: false }), 'in.jsonl', maxLineBytes);
  for await (const chunk of input) out.push(chunk);
  return Buffer.concat(out).toString('utf8');
}

// Every way of cutting `bytes` in two.
const cuts = (bytes: Buffer) =>
  Array.from({ length: bytes.length + 1 }, (_, i) => [bytes.subarray(0, i), bytes.subarray(i)]);

describe('utf8Input', () => {
  it('gives back every byte of UTF-8 text, however it is cut, without the byte order mark', async () => {
    const text = 'café\n日本語 🎉\n\nlast line without newline';
    for (const bytes of [Buffer.from(text), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])])
      for (const chunks of cuts(bytes)) expect(await readAll(chunks)).toBe(text);
    expect(await readAll([])).toBe('');
  });

  it('stops at the first line that is not UTF-8, naming it, however the input is cut', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"text":"one"}\n{"text":"two"}\n{"text":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n'),
    ]);
    for (const chunks of cuts(bytes)) {
      const error = await readAll(chunks).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'usage', message: expect.stringContaining('in.jsonl is not UTF-8: line 3') });
    }
  });

  it('refuses UTF-16 and a character cut off at the end', async () => {
    await expect(readAll([Buffer.from('\ufeffhi\n', 'utf16le')])).rejects.toThrow(/line 1/);
    await expect(readAll([Buffer.from('ok\n'), Buffer.from('日').subarray(0, 2)])).rejects.toThrow(/line 2/);
    // Shorter than a byte order mark, and the start of one.
    await expect(readAll([Buffer.from([0xef, 0xbb])])).rejects.toThrow(/line 1/);
  });
});

describe('utf8Input with a line limit', () => {
  it('gives each line over the limit as the mark, however the input is cut, and the other lines whole', async () => {
    const mark = overLimitMark(10).toString();
    const bytes = Buffer.from(`ok\n${'x'.repeat(11)}\n0123456789\n${'é'.repeat(30)}\nend ${'z'.repeat(20)}`);
    for (const chunks of cuts(bytes)) expect(await readAll(chunks, 10)).toBe(`ok\n${mark}0123456789\n${mark}${mark}`);
    expect(overLimitReason(mark.trimEnd())).toMatch(/^over 10 bytes, /);
    expect(overLimitReason('{"text":"x"}')).toBeUndefined();
  });

  it('gives 64 MB of one line, read in 64 KB pieces, as the mark', async () => {
    const piece = Buffer.alloc(64 * 1024, 'x');
    const chunks = Array.from({ length: 1024 }, () => piece);
    expect(await readAll([...chunks, Buffer.from('\nnext')], 1000)).toBe(`${overLimitMark(1000)}next`);
  });
});

describe('utf8Text', () => {
  it('decodes UTF-8 and refuses Latin-1, naming where it came from', () => {
    expect(utf8Text(Buffer.from('naïve'), 'stdin')).toBe('naïve');
    expect(utf8Text(Buffer.from('\ufeff{"a":1}'), 'a.json')).toBe('{"a":1}');
    expect(() => utf8Text(Buffer.from('na\xefve', 'latin1'), 'stdin')).toThrow('stdin is not UTF-8: line 1');
  });
});
