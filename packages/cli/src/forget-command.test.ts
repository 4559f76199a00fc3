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
});
