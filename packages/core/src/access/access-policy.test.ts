import { describe, expect, it } from 'vitest';
import { Astrocyte } from '../astrocyte.js';
import { LocalEmbedder } from '../embedders/local-embedder.js';
import { ConfigError, ValidationError } from '../errors.js';
import { InMemoryStore } from '../in-memory/in-memory-store.js';
import { parseAccessOptions } from './access-options.js';
import { matchesPattern } from './access-patterns.js';
import { AccessPolicy } from './access-policy.js';
import type { AccessOptions } from './access-types.js';
import { parsePrincipal } from './principal.js';

const policy = (options: AccessOptions) => new AccessPolicy(parseAccessOptions(options));
const caller = (principal: string | null, onBehalfOf: string | null = null) => ({ principal, onBehalfOf });

describe('principals', () => {
  it('are kind:name; a bare name is a user; anything else is a ValidationError naming the field', () => {
    expect(parsePrincipal('alice')).toBe('user:alice');
    expect(parsePrincipal('agent:support-bot')).toBe('agent:support-bot');
    expect(parsePrincipal('service:ingest@eu')).toBe('service:ingest@eu');
    for (const bad of ['robot:r2', 'user:', '', 'user:-x', 'al ice', 42, null]) {
      const error = (() => {
        try {
          parsePrincipal(bad, 'context.principal');
        } catch (e) {
          return e;
        }
      })();
      expect(ValidationError.isInstance(error), `${JSON.stringify(bad)}`).toBe(true);
      expect((error as ValidationError).details.field).toBe('context.principal');
    }
  });
});

describe('patterns', () => {
  it('match whole values, * as any run of characters, every other character as itself', () => {
    expect(matchesPattern('alice-*', 'alice-notes')).toBe(true);
    expect(matchesPattern('alice-*', 'alice-')).toBe(true);
    expect(matchesPattern('alice-*', 'xalice-notes')).toBe(false);
    expect(matchesPattern('*-notes-*', 'a-notes-b-notes-c')).toBe(true);
    expect(matchesPattern('a*b*a', 'aba')).toBe(true);
    expect(matchesPattern('a*a', 'a')).toBe(false);
    // A dot is a dot: no regular expression is built from config.
    expect(matchesPattern('team.a', 'teamXa')).toBe(false);
    expect(matchesPattern('{bank}', 'alice', 'alice')).toBe(true);
    expect(matchesPattern('user:{bank}', 'user:alice', 'bob')).toBe(false);
    expect(matchesPattern('user:{bank}', 'user:alice')).toBe(false);
  });
});

describe('policy', () => {
  it('admin implies read, write and forget; store-wide needs a grant of exactly *', () => {
    const access = policy({
      grants: [
        { principal: 'alice', banks: 'alice-*', permissions: ['admin'] },
        { principal: 'service:*', banks: '*', permissions: ['admin'] },
        { principal: 'user:{bank}', banks: '*', permissions: ['admin'] },
      ],
    });
    for (const permission of ['read', 'write', 'forget', 'admin'] as const)
      expect(access.allows(caller('user:alice'), permission, 'alice-1')).toBe(true);
    expect(access.allows(caller('user:alice'), 'read', 'bob-1')).toBe(false);
    expect(access.allows(caller('user:alice'), 'admin', null)).toBe(false);
    expect(access.allows(caller('user:bob'), 'admin', 'bob')).toBe(true);
    expect(access.allows(caller('user:bob'), 'admin', null)).toBe(false);
    expect(access.allows(caller('service:ops'), 'admin', null)).toBe(true);
    expect(access.allows(caller('service:ops', 'user:alice'), 'admin', null)).toBe(false);
    expect(access.allows(caller(null), 'read', 'alice-1')).toBe(false);
  });

  it('rate counters: one per rule, per principal and per matching bank; a principal rule skips a call without one', () => {
    const access = policy({
      grants: [],
      rateLimits: [
        { principal: '*', operationsPerMinute: 10 },
        { banks: 'team-*', operationsPerMinute: 5 },
        { principal: 'agent:*', banks: '*', operationsPerMinute: 2 },
      ],
    });
    expect(access.rateCounters('agent:bot', ['team-a', 'home']).map((counter) => counter.key)).toEqual([
      'rate:0|agent:bot',
      'rate:1|team-a',
      'rate:2|agent:bot|team-a',
      'rate:2|agent:bot|home',
    ]);
    expect(access.rateCounters(null, ['team-a']).map((counter) => counter.key)).toEqual(['rate:1|team-a']);
  });

  it('quotas: the smallest limit of every matching quota', () => {
    const access = policy({
      grants: [],
      quotas: [
        { banks: 'team-*', maxMemories: 100 },
        { banks: '*', maxMemories: 1000, maxBytesPerDay: 5000 },
      ],
    });
    expect(access.quotaOf('team-a')).toEqual({ maxMemories: 100, maxBytesPerDay: 5000 });
    expect(access.quotaOf('home')).toEqual({ maxMemories: 1000, maxBytesPerDay: 5000 });
  });

  it('bad options, and a store without an access ledger, are ConfigErrors at create', async () => {
    const create = (access: unknown, store = new InMemoryStore()) =>
      Astrocyte.create({ store, embedder: new LocalEmbedder(), access: access as AccessOptions }).then(
        () => {
          throw new Error('expected a ConfigError');
        },
        (error: ConfigError) => error,
      );
    const bad = await create({ grants: [{ principal: 'robot:x', banks: '*', permissions: ['read'] }] });
    expect(ConfigError.isInstance(bad)).toBe(true);
    expect(bad.message).toMatch(/^access options: access\.grants\.0\.principal: /);
    expect((await create({ grants: [], rateLimits: [{ principal: '*', operationsPerMinute: 0 }] })).message).toMatch(
      /access\.rateLimits\.0\.operationsPerMinute/,
    );
    const inner = new InMemoryStore();
    const ledgerless = new Proxy(inner, {
      get: (target, key) => (key === 'accessLedger' ? undefined : Reflect.get(target, key, target)),
    });
    const refused = await create({ grants: [] }, ledgerless);
    expect(refused.message).toMatch(/memory store keeps no access ledger/);
    // Refused before the store recorded anything.
    expect(await inner.describe?.().then((description) => description.embedder)).toBeNull();
  });
});
