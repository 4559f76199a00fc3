import { randomBankId } from '@astrocyte/core/testing';
import { describe, expect, it } from 'vitest';
import { astrocyte, tempProject } from './cli-process.fixture.js';

// Each user owns the bank named after them; agent:helper may read and write any bank, but only within the grants of
// the user it acts for.
const ACCESS = `access:
  grants:
    - { principal: "user:{bank}", banks: "{bank}", permissions: [read, write, forget] }
    - { principal: "agent:helper", banks: "*", permissions: [read, write] }
`;

describe('astrocyte --principal', { timeout: 120_000 }, () => {
  it('acts as the principal: allowed in its own bank, denied in another with nothing changed', async () => {
    const { dir } = tempProject(ACCESS);
    const alice = randomBankId('alice');
    const bob = randomBankId('bob');
    const run = (args: string[], env: Record<string, string> = {}) => astrocyte(args, { cwd: dir, env });

    // A bare name is a user.
    const allowed = await run([
      'retain',
      '--principal',
      alice,
      '--bank',
      alice,
      '--json',
      'Alice flies to Oslo on May 3',
    ]);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ stored: true });
    await run(['retain', '--bank', bob, 'Bob is allergic to peanuts'], { ASTROCYTE_PRINCIPAL: `user:${bob}` });

    const denied = await run(['retain', '--bank', bob, 'Alice was here'], { ASTROCYTE_PRINCIPAL: `user:${alice}` });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toBe(
      `astrocyte: access denied: user:${alice} may not write bank ${bob} (fix: act as a principal granted write on bank ${bob} (--principal), or add a grant to access.grants in the config)\n`,
    );
    const peek = await run(['recall', '--principal', alice, '--bank', bob, 'peanuts']);
    expect(peek.code).toBe(1);
    expect(peek.stdout).toBe('');
    expect(peek.stderr).not.toContain('peanuts');

    const bobs = await run(['list', '--principal', `user:${bob}`, '--bank', bob, '--json']);
    expect(JSON.parse(bobs.stdout).items.map((m: { text: string }) => m.text)).toEqual(['Bob is allergic to peanuts']);
    const forget = await run(['forget', '--principal', alice, '--bank', bob, '--all', '--yes']);
    expect(forget.code).toBe(1);
    const still = await run(['list', '--principal', `user:${bob}`, '--bank', bob, '--json']);
    expect(still.stdout).toBe(bobs.stdout);
  });

  it('without a principal, fails naming --principal and ASTROCYTE_PRINCIPAL, and stores nothing', async () => {
    const { dir } = tempProject(ACCESS);
    const alice = randomBankId('alice');
    const run = (args: string[]) => astrocyte(args, { cwd: dir });
    const denied = await run(['retain', '--bank', alice, 'A memory with no owner']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(
      new RegExp(
        `^astrocyte: access denied: an operation with no principal may not write bank ${alice} \\(fix: .*--principal <principal>.*ASTROCYTE_PRINCIPAL\\)\\n$`,
      ),
    );
    const listed = await run(['list', '--principal', alice, '--bank', alice, '--json']);
    expect(JSON.parse(listed.stdout).items).toEqual([]);

    const malformed = await run(['list', '--principal', 'robot:r2', '--bank', alice]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(
      /^astrocyte: --principal: "robot:r2" must be kind:name .*\(fix: correct --principal;/,
    );
  });

  it('--on-behalf-of narrows an agent to the grants of the user it acts for', async () => {
    const { dir } = tempProject(ACCESS);
    const alice = randomBankId('alice');
    const bob = randomBankId('bob');
    const run = (args: string[]) => astrocyte(['--principal', 'agent:helper', ...args], { cwd: dir });
    const forAlice = await run(['--on-behalf-of', alice, '--bank', alice, 'retain', 'Alice prefers aisle seats']);
    expect(forAlice.code).toBe(0);
    const intoBob = await run(['--on-behalf-of', alice, '--bank', bob, 'retain', 'Written for alice into bob']);
    expect(intoBob.code).toBe(1);
    expect(intoBob.stderr).toContain(`access denied: agent:helper acting for user:${alice} may not write bank ${bob}`);
    const bobs = await run(['--bank', bob, 'list', '--json']);
    expect(JSON.parse(bobs.stdout).items).toEqual([]);
  });
});
