import { randomBankId } from '@astrocyte/core/testing';
import { describe, expect, it } from 'vitest';
import { astrocyte, tempProject } from './cli-process.fixture.js';

const ACCESS = `access:
  grants:
    - { principal: "user:{bank}", banks: "{bank}", permissions: [read, write, forget] }
    - { principal: "service:auditor", banks: "*", permissions: [admin] }
`;

describe('astrocyte audit', { timeout: 120_000 }, () => {
  it('lists denials and forgets, newest first, without the text of any memory, query or reason', async () => {
    const { dir } = tempProject(ACCESS);
    const alice = randomBankId('alice');
    const bob = randomBankId('bob');
    const run = (args: string[]) => astrocyte(args, { cwd: dir });

    const stored = await run(['--principal', alice, '--bank', alice, '--json', 'retain', 'Locker code is 4512']);
    const { memory_id } = JSON.parse(stored.stdout);
    expect((await run(['--principal', alice, '--bank', bob, 'recall', 'secret plans'])).code).toBe(1);
    const forgot = await run([
      '--principal',
      alice,
      '--bank',
      alice,
      'forget',
      '--ids',
      memory_id,
      '--reason',
      'rotated',
    ]);
    expect(forgot.code).toBe(0);

    const listed = await run(['--principal', 'service:auditor', 'audit', '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const entries = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const denial = entries.find((entry) => entry.outcome === 'denied');
    expect(denial).toEqual({
      id: expect.any(String),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      principal: `user:${alice}`,
      on_behalf_of: null,
      action: 'recall',
      bank_id: bob,
      permission: 'read',
      outcome: 'denied',
      details: expect.any(Object),
    });
    const forget = entries.find((entry) => entry.action === 'forget');
    expect(forget).toMatchObject({ principal: `user:${alice}`, bank_id: alice, outcome: 'allowed' });
    // Newest first: the forget came after the denial.
    expect(entries.indexOf(forget)).toBeLessThan(entries.indexOf(denial));
    for (const secret of ['4512', 'Locker', 'secret plans', 'rotated']) expect(listed.stdout).not.toContain(secret);

    const table = await run(['--principal', 'service:auditor', 'audit']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`denied\\s+recall\\s+${bob}\\s+read\\s+user:${alice}`));
    for (const secret of ['4512', 'Locker', 'secret plans', 'rotated']) expect(table.stdout).not.toContain(secret);
  });

  it('filters by --bank, --principal-filter and --since, pages with --limit and --cursor', async () => {
    const { dir } = tempProject(ACCESS);
    const alice = randomBankId('alice');
    const bob = randomBankId('bob');
    const run = (args: string[]) => astrocyte(args, { cwd: dir });
    // A reading command needs a store to be there.
    expect((await run(['--principal', alice, '--bank', alice, 'retain', 'A first memory'])).code).toBe(0);
    const start = new Date().toISOString();
    for (const bank of [bob, bob, alice]) await run(['--principal', 'mallory', '--bank', bank, 'recall', 'x']);
    await run(['--principal', alice, '--bank', bob, 'recall', 'x']);

    const audit = async (args: string[]) => {
      const result = await run(['--principal', 'service:auditor', 'audit', '--json', ...args]);
      expect(result.code).toBe(0);
      return {
        entries: result.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
        stderr: result.stderr,
      };
    };
    const mallory = await audit(['--principal-filter', 'mallory', '--bank', bob]);
    expect(mallory.entries.map((e) => [e.principal, e.bank_id, e.outcome])).toEqual([
      ['user:mallory', bob, 'denied'],
      ['user:mallory', bob, 'denied'],
    ]);
    expect((await audit(['--since', '2999-01-01T00:00:00Z'])).entries).toEqual([]);
    expect((await audit(['--since', start, '--principal-filter', `user:${alice}`])).entries).toHaveLength(1);

    const first = await audit(['--principal-filter', 'mallory', '--limit', '2']);
    expect(first.entries).toHaveLength(2);
    const cursor = /more: astrocyte audit --cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor).toBeDefined();
    const rest = await audit(['--principal-filter', 'mallory', '--limit', '2', '--cursor', cursor as string]);
    expect(rest.entries.map((e) => e.bank_id)).toEqual([bob]);
    expect(rest.stderr).toBe('');
  });

  it('needs admin: a principal without it is denied', async () => {
    const { dir } = tempProject(ACCESS);
    const alice = randomBankId('alice');
    expect((await astrocyte(['--principal', alice, '--bank', alice, 'retain', 'A memory'], { cwd: dir })).code).toBe(0);
    const denied = await astrocyte(['--principal', alice, 'audit'], { cwd: dir });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toMatch(new RegExp(`^astrocyte: access denied: user:${alice} may not admin`));
  });

  it('says how to turn access on when it is off', async () => {
    const { dir } = tempProject();
    expect((await astrocyte(['retain', 'A memory'], { cwd: dir })).code).toBe(0);
    const off = await astrocyte(['audit'], { cwd: dir });
    expect(off).toMatchObject({ code: 2, stdout: '' });
    expect(off.stderr).toBe(
      'astrocyte: audit: access is not configured, so nothing is audited; configure `access` (docs/access.md) (fix: add an access: section with grants to the config (docs/access.md))\n',
    );
  });
});
