import { afterEach, describe, expect, it } from 'vitest';
import { Astrocyte } from '../astrocyte.js';
import { AccessDeniedError } from '../errors.js';
import { configFailure } from './config-failure.fixture.js';
import { parseConfigText } from './load-config.js';

const TOKEN = 'a'.repeat(32);

describe('config: access', () => {
  afterEach(() => {
    delete process.env.ASTROCYTE_TEST_ALICE_TOKEN;
  });

  it('reads grants, quotas, rate limits and tokens, principals in full form, ${VAR} in tokens', () => {
    process.env.ASTROCYTE_TEST_ALICE_TOKEN = TOKEN;
    const config = parseConfigText(
      [
        'access:',
        '  grants:',
        '    - { principal: "user:alice", banks: "alice-*", permissions: [read, write] }',
        '    - { principal: "agent:support-bot", banks: "*", permissions: [read] }',
        '    - { principal: "{bank}", banks: "{bank}", permissions: [read, write, forget] }',
        '  quotas:',
        '    - { banks: "alice-*", max_memories: 10000, max_bytes_per_day: 50000000 }',
        '  rate_limits:',
        '    - { principal: "*", operations_per_minute: 600 }',
        '  tokens:',
        '    - { token: "${ASTROCYTE_TEST_ALICE_TOKEN}", principal: "alice" }',
      ].join('\n'),
    );
    expect(config.access).toEqual({
      grants: [
        { principal: 'user:alice', banks: 'alice-*', permissions: ['read', 'write'] },
        { principal: 'agent:support-bot', banks: '*', permissions: ['read'] },
        { principal: 'user:{bank}', banks: '{bank}', permissions: ['read', 'write', 'forget'] },
      ],
      quotas: [{ banks: 'alice-*', max_memories: 10000, max_bytes_per_day: 50000000 }],
      rate_limits: [{ principal: '*', operations_per_minute: 600 }],
      tokens: [{ token: TOKEN, principal: 'user:alice' }],
    });
    expect(parseConfigText('').access).toBeUndefined();
  });

  it('refuses an unknown key, a bad permission, a bad principal or pattern, naming the line and key', () => {
    const grant = (fields: string) => `access:\n  grants:\n    - ${fields}\n`;
    expect(configFailure(() => parseConfigText('access:\n  grants: []\n  grant: []\n')).message).toBe(
      'astrocyte.yaml:3: access.grant: unknown key "grant"; did you mean "grants"?',
    );
    expect(
      configFailure(() => parseConfigText(grant('{ principal: alice, banks: "*", permissions: [read], bank: x }')))
        .message,
    ).toMatch(/^astrocyte\.yaml:3: access\.grants\.0\.bank: unknown key "bank"/);
    expect(
      configFailure(() => parseConfigText(grant('{ principal: alice, banks: "*", permissions: [delete] }'))).message,
    ).toMatch(/^astrocyte\.yaml:3: access\.grants\.0\.permissions\.0: /);
    expect(
      configFailure(() => parseConfigText(grant('{ principal: "robot:r2", banks: "*", permissions: [read] }'))).message,
    ).toMatch(/access\.grants\.0\.principal: "robot:r2": the kind must be user, agent, service or \*/);
    expect(
      configFailure(() => parseConfigText(grant('{ principal: alice, banks: "alice-(.*)", permissions: [read] }')))
        .message,
    ).toMatch(/access\.grants\.0\.banks: "alice-\(\.\*\)" must be a bank id with \* for any run of characters/);
    expect(
      configFailure(() =>
        parseConfigText('access:\n  grants: []\n  quotas:\n    - { banks: "{bank}", max_memories: 5 }\n'),
      ).message,
    ).toMatch(/access\.quotas\.0\.banks: /);
    expect(
      configFailure(() => parseConfigText('access:\n  grants: []\n  quotas:\n    - { banks: "*" }\n')).message,
    ).toMatch(/access\.quotas\.0: give max_memories, max_bytes_per_day or both/);
    expect(
      configFailure(() =>
        parseConfigText('access:\n  grants: []\n  rate_limits:\n    - { operations_per_minute: 5 }\n'),
      ).message,
    ).toMatch(/access\.rate_limits\.0: give principal, banks or both/);
    expect(configFailure(() => parseConfigText('access:\n  quotas: []\n')).message).toMatch(
      /access\.grants: is required/,
    );
  });

  it('refuses a missing token variable, a short token and a token given twice, never printing a token', () => {
    const tokens = (lines: string[]) =>
      `access:\n  grants: []\n  tokens:\n${lines.map((line) => `    - ${line}`).join('\n')}\n`;
    expect(
      configFailure(() => parseConfigText(tokens(['{ token: "${ASTROCYTE_TEST_ALICE_TOKEN}", principal: alice }'])))
        .message,
    ).toBe('astrocyte.yaml:4: access.tokens.0.token: environment variable ASTROCYTE_TEST_ALICE_TOKEN is not set');
    const short = configFailure(() => parseConfigText(tokens(['{ token: "s3cret-short", principal: alice }'])));
    expect(short.message).toMatch(/access\.tokens\.0\.token: must be at least 16 printable characters/);
    expect(short.message).not.toContain('s3cret');
    const twice = configFailure(() =>
      parseConfigText(tokens([`{ token: "${TOKEN}", principal: alice }`, `{ token: "${TOKEN}", principal: bob }`])),
    );
    expect(twice.message).toMatch(/access\.tokens\.1\.token: is the same token as tokens\.0\.token$/);
    expect(twice.message).not.toContain(TOKEN);
    expect(configFailure(() => parseConfigText(tokens([`{ token: "${TOKEN}", principal: "user:" }`]))).message).toMatch(
      /access\.tokens\.0\.principal: /,
    );
  });

  it('builds a brain that enforces the grants', async () => {
    const brain = await Astrocyte.fromConfigObject({
      storage: { backend: 'memory' },
      access: { grants: [{ principal: 'alice', banks: 'alice-*', permissions: ['read', 'write'] }] },
    });
    try {
      const context = { principal: 'user:alice' };
      expect((await brain.retain('Configured access works', { bankId: 'alice-1', context })).stored).toBe(true);
      const denied = await brain.retain('Not here', { bankId: 'bob-1', context }).catch((error: unknown) => error);
      expect(AccessDeniedError.isInstance(denied)).toBe(true);
    } finally {
      await brain.close();
    }
  });
});
