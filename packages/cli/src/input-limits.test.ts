import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Astrocyte } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { astrocyte, tempProject } from './cli-process.fixture.js';

// With texts of at most 200 characters, a line holds at most 6 * 200 + 64 KiB = 66,736 bytes (bodyBytesFor).
const LIMITS = 'limits:\n  max_content_length: 200\n';
const OVER_LINE_LIMIT = /^over 66,736 bytes, the longest line a text of limits\.max_content_length characters takes/;

describe('input limits', () => {
  it('lists a memories line over the limit among the bad lines and stores the others', async () => {
    const { dir } = tempProject(LIMITS);
    const lines = [{ text: 'Before the long line' }, { text: 'x'.repeat(100_000) }, { text: 'After the long line' }];
    writeFileSync(join(dir, 'long.jsonl'), lines.map((line) => JSON.stringify(line)).join('\n'));
    const run = await astrocyte(['--json', 'import', 'long.jsonl'], { cwd: dir });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ stored: 2, rejected: 1, malformed: 1, invalid: 0 });
    expect(summary.problems).toEqual([{ line: 2, reason: expect.stringMatching(OVER_LINE_LIMIT) }]);
  });

  it('tells the format from the start of a first line too long to read whole, then lists that line', async () => {
    const { dir } = tempProject(LIMITS);
    const input = `${'y'.repeat(1_000_000)}\n${JSON.stringify({ text: 'The line after' })}\n`;
    const run = await astrocyte(['--json', 'import'], { cwd: dir, input });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ format: 'memories', stored: 1, malformed: 1 });
    expect(summary.problems).toEqual([{ line: 1, reason: expect.stringMatching(OVER_LINE_LIMIT) }]);
  });

  it('names a conversation line over the limit and imports nothing', async () => {
    const { dir } = tempProject(LIMITS);
    const turns = [
      { session: 's1', speaker: 'ann', text: 'Hello' },
      { session: 's1', speaker: 'bo', text: 'z'.repeat(100_000) },
    ];
    const input = turns.map((turn) => JSON.stringify(turn)).join('\n');
    const run = await astrocyte(['--json', 'import'], { cwd: dir, input });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ format: 'conversation-jsonl', stored: 0, malformed: 1 });
    expect(summary.problems).toEqual([{ line: 2, reason: expect.stringMatching(OVER_LINE_LIMIT) }]);
  });

  it('refuses a LoCoMo file over 256 MiB before parsing it', async () => {
    const { dir } = tempProject();
    // A sparse file: no disk used, and read past the limit only by a reader that has none.
    const file = join(dir, 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, 256 * 1024 * 1024 + 1);
    const run = await astrocyte(['import', '--format', 'locomo', 'huge.json'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^astrocyte: huge\.json is over 256 MiB, the most a LoCoMo file may hold.*\(fix: split/);
  });

  it('refuses conversation JSON Lines over 256 MiB before storing any of it', async () => {
    const { dir, config } = tempProject();
    // A turn, then a sparse tail (no disk used): read whole, 256 MiB of turns take 600 MB of heap, and a file ten
    // times that size ended in V8's out-of-memory abort.
    const file = join(dir, 'huge.jsonl');
    writeFileSync(file, `${JSON.stringify({ session: 's', speaker: 'ann', text: 'Hello' })}\n`);
    truncateSync(file, 256 * 1024 * 1024 + 1);
    const run = await astrocyte(['import', 'huge.jsonl'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^astrocyte: huge\.jsonl is over 256 MiB, the most a file of conversation turns may hold.*\(fix: split its sessions/,
    );
    const brain = await Astrocyte.fromConfig(config);
    expect((await brain.list('default')).items).toEqual([]);
    await brain.close();
  });

  it('refuses -m @file over 1 MiB, reading no more of it, and a text on stdin over the limit', async () => {
    const { dir } = tempProject(LIMITS);
    const metadata = await astrocyte(['retain', '-m', '@/dev/zero', 'x'], { cwd: dir });
    expect(metadata.code).toBe(2);
    expect(metadata.stderr).toMatch(/^astrocyte: \/dev\/zero is over 1,048,576 bytes.*\(fix: pass a file holding one/);
    const stdin = await astrocyte(['retain', '-'], { cwd: dir, input: 'w'.repeat(70_000) });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/^astrocyte: stdin is over 66,736 bytes.*\(200 characters\).*\(fix: /);
  });
});
