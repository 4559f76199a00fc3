import { Astrocyte } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { astrocyte, tempProject } from './cli-process.fixture.js';

describe('forget --ids', () => {
  it('exits 1 naming the ids the bank does not hold, and forgets the ones it does', async () => {
    const { dir } = tempProject();
    const run = (args: string[]) => astrocyte(args, { cwd: dir });
    const retain = async (bank: string, text: string): Promise<string> =>
      JSON.parse((await run(['--json', '--bank', bank, 'retain', text])).stdout).memory_id;
    const mine = await retain('alice', 'Alice parks on level 2');
    const theirs = await retain('bob', 'Bob parks on level 3');

    const forgot = await run(['--bank', 'alice', 'forget', '--ids', `${mine},no-such-id,${theirs}`]);
    expect(forgot.code).toBe(1);
    expect(forgot.stdout).toBe('forgot 1 memory\n');
    expect(forgot.stderr).toBe(
      `astrocyte: bank alice holds no memory no-such-id, ${theirs} (unknown, another bank's, or forgotten already) ` +
        '(fix: check the ids with `astrocyte --bank alice list`; `astrocyte --bank alice history <id>` shows whether one was forgotten)\n',
    );
    expect(JSON.parse((await run(['--json', '--bank', 'alice', 'list'])).stdout).items).toEqual([]);
    const bobs = JSON.parse((await run(['--json', '--bank', 'bob', 'list'])).stdout).items;
    expect(bobs.map((m: { id: string }) => m.id)).toEqual([theirs]);

    // Forgotten already: nothing to forget, said so, and --json says which.
    const again = await run(['--json', '--bank', 'alice', 'forget', '--ids', mine]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual({ deleted_count: 0, skipped: [], not_found: [mine] });
  });

  it('forgets every id of a repeated --ids, takes a repeated --tags whole, and refuses a repeated --bank or -m', async () => {
    const { dir, config } = tempProject();
    const run = (args: string[]) => astrocyte(args, { cwd: dir });
    const brain = await Astrocyte.fromConfig(config);
    const [one = '', two = ''] = (
      await brain.retainMany([{ content: 'secret one to erase' }, { content: 'secret two to erase' }], {
        bankId: 'default',
      })
    ).map((r) => String(r.memoryId));
    await brain.close();
    const tagged = JSON.parse(
      (await run(['--json', 'retain', 'tagged twice', '-t', 'alpha', '-t', 'beta'])).stdout,
    ).memory_id;
    const forgot = await run(['--json', 'forget', '--ids', one, '--ids', two]);
    expect({ code: forgot.code, out: JSON.parse(forgot.stdout) }).toEqual({
      code: 0,
      out: { deleted_count: 2, skipped: [], not_found: [] },
    });
    const items = JSON.parse((await run(['--json', 'list'])).stdout).items;
    expect(items.map((m: { id: string; tags: string[] }) => [m.id, m.tags])).toEqual([[tagged, ['alpha', 'beta']]]);

    for (const [args, flag] of [
      [['--bank', 'alice', '--bank', 'bob', 'retain', 'x'], "'-b, --bank <id>'"],
      [['retain', 'x', '-m', '{"a":1}', '-m', '{"b":2}'], "'-m, --metadata <json>'"],
    ] as const) {
      const refused = await run([...args]);
      expect(refused).toMatchObject({ code: 2, stdout: '' });
      expect(refused.stderr).toContain(`option ${flag} argument`);
      expect(refused.stderr).toMatch(/is given twice/);
    }
    expect(JSON.parse((await run(['--json', 'list'])).stdout).items).toHaveLength(1);
  });

  it('refuses a --before in the future without --yes: it would erase the whole bank', async () => {
    const { dir, config } = tempProject();
    const run = (args: string[]) => astrocyte(args, { cwd: dir });
    const brain = await Astrocyte.fromConfig(config);
    await brain.retain('note one', { bankId: 'default' });
    await brain.close();
    const refused = await run(['forget', '--before', '2099-01-01']);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe(
      'astrocyte: --before 2099-01-01 is in the future: it erases every memory of the bank (fix: check the date, or add --yes to confirm)\n',
    );
    expect(JSON.parse((await run(['--json', 'list'])).stdout).items).toHaveLength(1);
    expect((await run(['forget', '--before', '2099-01-01', '--yes'])).stdout).toBe('forgot 1 memory\n');
  });
});
