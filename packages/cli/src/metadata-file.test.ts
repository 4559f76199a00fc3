import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { astrocyte, tempProject } from './cli-process.fixture.js';

describe('-m @file', () => {
  it('skips a byte order mark, as import does', async () => {
    const { dir } = tempProject();
    writeFileSync(
      join(dir, 'bom.json'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"source":"bom"}')]),
    );
    const run = await astrocyte(['retain', '-m', '@bom.json', 'Saved by an editor that writes a BOM'], { cwd: dir });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const listed = JSON.parse((await astrocyte(['--json', 'list'], { cwd: dir })).stdout);
    expect(listed.items.map((m: { metadata: unknown }) => m.metadata)).toEqual([{ source: 'bom' }]);
    const explained = await astrocyte(['rules', 'explain', '-m', '@bom.json', 'anything'], { cwd: dir });
    expect(explained.code).toBe(0);
  });

  it('refuses a file that is not UTF-8, naming it, instead of storing U+FFFD', async () => {
    const { dir } = tempProject();
    writeFileSync(join(dir, 'latin1.json'), Buffer.from('{"name":"Jos\xe9"}', 'latin1'));
    const run = await astrocyte(['retain', '-m', '@latin1.json', 'A memory'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^astrocyte: latin1\.json is not UTF-8: line 1 .*\(fix: convert it first, e\.g\. iconv/);
    const listed = await astrocyte(['--json', 'list'], { cwd: dir });
    expect(listed.code).toBe(1);
  });
});
