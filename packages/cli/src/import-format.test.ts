import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatOfFirstLine, mayOpenJsonDocument, peekFirstLine } from './import-format.js';
import { parseSessionDate } from './locomo-conversations.js';

describe('formatOfFirstLine', () => {
  it.each([
    ['[', 'locomo'],
    ['[{"sample_id": "conv-1", "conversation": {}}]', 'locomo'],
    ['{', 'locomo'],
    ['{"sample_id": "conv-1", "conversation": {"session_1": []}}', 'locomo'],
    ['{"session": "s1", "speaker": "ann", "text": "Hi", "at": "2024-01-01T00:00:00Z"}', 'conversation-jsonl'],
    [
      '{"id": "x", "text": "A memory", "tags": [], "speaker": "ann", "episode": {"id": "s1", "position": 0}}',
      'memories',
    ],
    ['{"text": "A memory"}', 'memories'],
    ['{"text": "cut off', 'memories'],
    ['', 'memories'],
  ])('%s', (line, format) => {
    expect(formatOfFirstLine(line)).toBe(format);
  });
});

describe('mayOpenJsonDocument', () => {
  it.each([
    ['{ "sample_id": "conv-1",', true],
    ['  {"qa": [', true],
    ['{"text": "A memory"}', false],
    ['not JSON at all', false],
    ['', false],
  ])('%s', (line, expected) => {
    expect(mayOpenJsonDocument(line)).toBe(expected);
  });
});

describe('peekFirstLine', () => {
  it('finds the first line that is not blank and gives the whole input back', async () => {
    const text = '\n  \n{"text": "first"}\n{"text": "second"}\n';
    const source = Readable.from(['\n  \n{"te', 'xt": "first"}\n{"text": ', '"second"}\n'].map((s) => Buffer.from(s)));
    const { line, input } = await peekFirstLine(source);
    expect(line).toBe('{"text": "first"}');
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
  });

  it('stops after maxBytes, with the start of a line that long, and still gives the whole input back', async () => {
    const text = `[${'x'.repeat(100)}]\n`;
    const { line, input } = await peekFirstLine(Readable.from(text.match(/.{1,10}/gs) ?? []), 25);
    expect(line).toBe(`[${'x'.repeat(29)}`);
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
  });

  it('reads a single line without a newline at the end', async () => {
    const { line } = await peekFirstLine(Readable.from([Buffer.from('[{"sample_id": "a"}]')]));
    expect(line).toBe('[{"sample_id": "a"}]');
  });
});

describe('parseSessionDate', () => {
  it('reads LoCoMo dates as UTC and ISO dates, and nothing else', () => {
    expect(parseSessionDate('1:56 pm on 8 May, 2023')?.toISOString()).toBe('2023-05-08T13:56:00.000Z');
    expect(parseSessionDate('12:09 am on 13 September, 2023')?.toISOString()).toBe('2023-09-13T00:09:00.000Z');
    expect(parseSessionDate('12:30 PM on 1 January 2024')?.toISOString()).toBe('2024-01-01T12:30:00.000Z');
    expect(parseSessionDate('2024-03-01T09:00:00+02:00')?.toISOString()).toBe('2024-03-01T07:00:00.000Z');
    expect(parseSessionDate('2024-03-01')?.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    // Without its offset, the time would be read in the process's time zone.
    expect(parseSessionDate('2024-03-01T09:00:00')).toBeNull();
    expect(parseSessionDate('10:00 am on 31 April, 2023')).toBeNull();
    expect(parseSessionDate('10:00 am on 3 Maytember, 2023')).toBeNull();
    expect(parseSessionDate('yesterday')).toBeNull();
    expect(parseSessionDate('8 May')).toBeNull();
  });
});
