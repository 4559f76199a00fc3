import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Astrocyte } from '../astrocyte.js';
import { brainFromConfig, loadConfigFile } from '../config/load-config.js';
import { LocalEmbedder } from '../embedders/local-embedder.js';
import { ConfigError, ValidationError } from '../errors.js';
import { InMemoryStore } from '../in-memory/in-memory-store.js';
import { randomBankId } from '../testing/store-factory.js';
import type { JsonObject } from '../types.js';
import { Governance, type GovernanceOptions } from './governance.js';

const request = (
  content: string,
  extra: Partial<{ bankId: string; tags: string[]; metadata: JsonObject; path: string }> = {},
) => ({
  content,
  bankId: 'bank-1',
  tags: [],
  metadata: {},
  ...extra,
});

describe('Governance', () => {
  it('redacts every type by default and never puts a value in a reject reason', () => {
    const governance = new Governance();
    const plan = governance.prepareRetain(request('SSN 123-45-6789, key AKIAIOSFODNN7EXAMPLE'));
    expect(plan).toMatchObject({ kind: 'store', content: 'SSN [SSN], key [SECRET]', redacted: ['ssn', 'secret'] });
    const strict = new Governance({ pii: { default: 'reject' } });
    const rejected = strict.prepareRetain(request('SSN 123-45-6789, key AKIAIOSFODNN7EXAMPLE'));
    expect(rejected.kind).toBe('reject');
    const reason = (rejected as { reason: string }).reason;
    expect(reason).toMatch(/ssn.*secret/);
    expect(reason).not.toMatch(/6789|AKIA/);
  });

  it('reads metadata values with their key, so a bare date under `dob` is a date of birth', () => {
    const plan = new Governance().prepareRetain(
      request('profile', { metadata: { dob: '1985-03-14', password: 'hunter22', created: '2024-01-15', n: 4 } }),
    );
    expect(plan).toMatchObject({
      kind: 'store',
      redacted: ['secret', 'date_of_birth'],
      metadata: { dob: '[DATE_OF_BIRTH]', password: '[SECRET]', created: '2024-01-15', n: 4 },
    });
  });

  it('reads a snake_case, camelCase or kebab-case key as words, so `date_of_birth` gives context as `dob` does', () => {
    // Each of these was stored in clear: the detectors' context words never matched across `_`, `-` or a hump.
    const metadata = {
      date_of_birth: '1985-03-14',
      birth_date: '1985-03-14',
      dateOfBirth: '1985-03-14',
      'date-of-birth': '1985-03-14',
      phone_number: '5551234567',
      phoneNumber: '5551234567',
      mobile_phone: '5551234567',
      contact_phone: 447700900123,
      ssn_number: '123456789',
      social_security_number: '123456789',
      socialSecurityNumber: 123456789,
      'social-security-number': '123456789',
      user_password: 'hunter22xyz',
      apiKey: 'hunter22xyz',
    };
    const plan = new Governance().prepareRetain(request('profile', { metadata }));
    expect(plan.kind === 'store' && plan.metadata).toEqual({
      date_of_birth: '[DATE_OF_BIRTH]',
      birth_date: '[DATE_OF_BIRTH]',
      dateOfBirth: '[DATE_OF_BIRTH]',
      'date-of-birth': '[DATE_OF_BIRTH]',
      phone_number: '[PHONE]',
      phoneNumber: '[PHONE]',
      mobile_phone: '[PHONE]',
      contact_phone: '[PHONE]',
      ssn_number: '[SSN]',
      social_security_number: '[SSN]',
      socialSecurityNumber: '[SSN]',
      'social-security-number': '[SSN]',
      user_password: '[SECRET]',
      apiKey: '[SECRET]',
    });
  });

  it('keeps what a value holds read alone beside what its key makes of it', () => {
    // Under `case` a phone number reads as a case number; beside an email it was stored in clear.
    const plan = new Governance().prepareRetain(
      request('profile', { metadata: { case: '555-123-4567 or jane@example.com', order: '555-123-4567' } }),
    );
    expect(plan.kind === 'store' && plan.metadata).toEqual({ case: '[PHONE] or [EMAIL]', order: '[PHONE]' });
  });

  it('reads a number as its digits, and a nested value with the nearest key above it that makes it PII', () => {
    const metadata = {
      card: 4111111111111111,
      count: 42,
      password: { value: 'hunter22xyz' },
      dob: { date: '1985-03-14' },
      ssn: { v: '123456789' },
      people: [{ contact: { email: 'jane@example.com' } }],
    };
    expect(new Governance().prepareRetain(request('profile', { metadata }))).toMatchObject({
      kind: 'store',
      metadata: {
        card: '[CREDIT_CARD]',
        count: 42,
        password: { value: '[SECRET]' },
        dob: { date: '[DATE_OF_BIRTH]' },
        ssn: { v: '[SSN]' },
        people: [{ contact: { email: '[EMAIL]' } }],
      },
    });
    // Under reject, a number is refused like the same digits as a string.
    const strict = new Governance({ pii: { default: 'reject' } });
    expect(strict.prepareRetain(request('profile', { metadata: { card: 4111111111111111 } }))).toMatchObject({
      kind: 'reject',
      detected: ['credit_card'],
    });
  });

  it('leaves recall output alone unless the output scan is on', () => {
    expect(new Governance().scanOutput('mail a@example.com', ['b'])).toBe('mail a@example.com');
    expect(new Governance({ pii: { scanOutput: true } }).scanOutput('mail a@example.com', ['b'])).toBe('mail [EMAIL]');
    const offForEmail = new Governance({ pii: { scanOutput: true, overrides: { email: 'off' } } });
    expect(offForEmail.scanOutput('mail a@example.com', ['b'])).toBe('mail a@example.com');
  });

  it("masks output by the policy of the bank it came from, a reflect answer by every bank's", async () => {
    const pii = { scanOutput: true, default: 'off' as const, banks: [{ pattern: 'hr-*', default: 'redact' as const }] };
    const governance = new Governance({ pii });
    expect(governance.scanOutput('mail a@example.com', ['hr-1'])).toBe('mail [EMAIL]');
    expect(governance.scanOutput('mail a@example.com', ['sales'])).toBe('mail a@example.com');
    expect(governance.scanOutput('mail a@example.com', ['sales', 'hr-1'])).toBe('mail [EMAIL]');
    // Stored under a laxer policy, then read under this one, through recall and reflect.
    const store = new InMemoryStore();
    const off = new Governance({ pii: { default: 'off' } });
    const lax = await Astrocyte.create({ store, embedder: new LocalEmbedder(), governance: off });
    await lax.retain('Payroll questions go to jane@example.com', { bankId: 'hr-1' });
    const brain = await Astrocyte.create({ store, embedder: new LocalEmbedder(), governance });
    const { hits } = await brain.recall('payroll questions', { bankId: 'hr-1' });
    expect(hits[0]?.text).toBe('Payroll questions go to [EMAIL]');
    expect((await brain.reflect('who takes payroll questions?', { bankId: 'hr-1' })).answer).not.toContain('jane@');
  });

  it('rejects bad options with a ConfigError naming the option', () => {
    const bad: [unknown, RegExp][] = [
      [{ pii: { default: 'shred' } }, /pii\.default/],
      [{ pii: { overrides: { passport: 'redact' } } }, /pii\.overrides/],
      [{ forget: { maxPerCall: 0 } }, /forget\.maxPerCall/],
      // A hold tag no memory can carry would never hold.
      [{ forget: { legalHoldTags: ['  '] } }, /forget\.legalHoldTags\.0: must not be blank/],
      [{ rules: [{ name: 'a', match: { tags: [' '] }, action: 'allow' }] }, /match\.tags\.0: must not be blank/],
      [{ piiPolicy: {} }, /piiPolicy: unknown option/],
    ];
    for (const [options, pattern] of bad) {
      const error = (() => {
        try {
          new Governance(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(ConfigError.isInstance(error), String(pattern)).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    }
  });
});

describe('policy tags longer than the default tag limit', () => {
  it('hold and match in a brain whose limits.maxTagLength stores such tags', async () => {
    const hold = `matter:${'x'.repeat(78)}`;
    const secret = `project:${'y'.repeat(77)}`;
    const brain = await Astrocyte.create({
      store: new InMemoryStore(),
      embedder: new LocalEmbedder(),
      limits: { maxTagLength: 128 },
      governance: new Governance({
        forget: { legalHoldTags: [hold] },
        rules: [{ name: 'r', match: { tags: [secret] }, action: 'reject', reason: 'kept out of memory' }],
      }),
    });
    try {
      const bankId = randomBankId();
      const refused = await brain.retain('The launch date moved', { bankId, tags: [secret] });
      expect(refused).toMatchObject({ stored: false, reason: expect.stringContaining('kept out of memory') });
      const { memoryId } = await brain.retain('The Globex contract is under dispute', { bankId, tags: [hold] });
      const result = await brain.forget(bankId, { all: true });
      expect(result.deletedCount).toBe(0);
      expect(result.skipped?.map((s) => s.memoryId)).toEqual([memoryId]);
    } finally {
      await brain.close();
    }
  });
});

describe('governance from astrocyte.yaml', () => {
  function project(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'astrocyte-gov-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it('loads the rules file relative to the config file and applies the whole policy', async () => {
    const dir = project({
      'astrocyte.yaml': [
        'storage: { backend: memory }',
        'governance:',
        '  pii: { default: redact, overrides: { credit_card: reject }, banks: [{ pattern: "public-*", default: reject }] }',
        '  rules: ./policy/rules.yaml',
        '  forget: { legal_hold_tags: [hold], min_age_days: 1, max_per_call: 5 }',
      ].join('\n'),
    });
    mkdirSync(join(dir, 'policy'));
    writeFileSync(
      join(dir, 'policy', 'rules.yaml'),
      'rules:\n  - name: no-salaries\n    match: { content: salary }\n    action: reject\n    reason: pay data stays in HR systems\n',
    );
    const brain = await brainFromConfig(await loadConfigFile(join(dir, 'astrocyte.yaml')));
    try {
      expect(await brain.retain('card 4111 1111 1111 1111', { bankId: 'b1' })).toMatchObject({ stored: false });
      expect(await brain.retain('Eve salary is 90k', { bankId: 'b1' })).toMatchObject({
        stored: false,
        reason: 'not stored: pay data stays in HR systems',
      });
      expect(await brain.retain('mail a@example.com', { bankId: 'public-site' })).toMatchObject({ stored: false });
      expect(await brain.retain('mail a@example.com', { bankId: 'b1' })).toMatchObject({
        stored: true,
        redacted: ['email'],
      });
      expect(brain.governance.forgetPolicy).toEqual({ legalHoldTags: ['hold'], minAgeDays: 1, maxPerCall: 5 });
    } finally {
      await brain.close();
    }
  });

  it('fails at load on a malformed rules file, naming the file, line, rule and field', async () => {
    const dir = project({
      'astrocyte.yaml': 'storage: { backend: memory }\ngovernance: { rules: rules.yaml }\n',
      'rules.yaml': '- name: route-hr\n  match: { tags: [hr] }\n  action: route\n  to: "hr {bank}"\n',
    });
    const error = await brainFromConfig(await loadConfigFile(join(dir, 'astrocyte.yaml'))).catch((e) => e);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error.message).toContain(
      `${join(dir, 'rules.yaml')}:4: rule "route-hr", field to: does not make a valid bank id`,
    );
  });

  it('accepts rules inline in the config', async () => {
    const dir = project({
      'astrocyte.yaml': [
        'storage: { backend: memory }',
        'governance:',
        '  rules:',
        '    - { name: archive, match: { tags: [old] }, action: route, to: "archive-{bank}" }',
      ].join('\n'),
    });
    const brain = await brainFromConfig(await loadConfigFile(join(dir, 'astrocyte.yaml')));
    try {
      expect(await brain.retain('old plan', { bankId: 'team', tags: ['old'] })).toMatchObject({
        bankId: 'archive-team',
      });
    } finally {
      await brain.close();
    }
  });
});

async function brainWith(options: GovernanceOptions = {}): Promise<Astrocyte> {
  return Astrocyte.create({
    store: new InMemoryStore(),
    embedder: new LocalEmbedder(),
    governance: new Governance(options),
  });
}

describe('tombstones keep no personal data', () => {
  it('redacts every PII type in free text, whatever the per-type actions', () => {
    const lax = new Governance({ pii: { default: 'off', overrides: { email: 'warn', ssn: 'reject' } } });
    expect(lax.redactFreeText('asked by jane@example.com (SSN 123-45-6789) on +1 (555) 123-4567')).toBe(
      'asked by [EMAIL] (SSN [SSN]) on [PHONE]',
    );
    expect(lax.redactFreeText('support-bot')).toBe('support-bot');
  });

  it('scans the forget reason and the actor before they are written into the version rows', async () => {
    const brain = await brainWith({ pii: { default: 'warn' } });
    const bank = randomBankId();
    const context = { actor: 'jane.doe@example.com' };
    const { memoryId } = await brain.retain('likes green tea', { bankId: bank, context });
    await brain.forget(bank, {
      memoryIds: [memoryId as string],
      reason: 'erasure request from jane.doe@example.com, phone 020 7946 0958',
      context,
    });
    const history = await brain.history(bank, memoryId as string);
    expect(history.map((v) => [v.action, v.actor, v.reason ?? null, v.text])).toEqual([
      ['create', '[EMAIL]', null, null],
      ['forget', '[EMAIL]', 'erasure request from [EMAIL], phone [PHONE]', null],
    ]);
    expect(JSON.stringify(history)).not.toMatch(/jane|7946/);
  });

  it('scans the principal too when it stands for the actor: an email is a valid principal', async () => {
    const brain = await brainWith({ pii: { default: 'warn' } });
    const bank = randomBankId();
    const context = { principal: 'user:jane.doe@example.com' };
    const { memoryId } = await brain.retain('likes green tea', { bankId: bank, context });
    await brain.forget(bank, { memoryIds: [memoryId as string], context });
    const history = await brain.history(bank, memoryId as string);
    expect(history.map((v) => v.actor)).toEqual(['user:[EMAIL]', 'user:[EMAIL]']);
    expect(JSON.stringify(history)).not.toMatch(/jane/);
  });

  it('refuses a bank id holding PII, since it outlives erasure, unless the policy for it is warn or off', async () => {
    const brain = await brainWith({ pii: { banks: [{ pattern: 'crm:*', overrides: { email: 'warn' } }] } });
    const refused = await brain.retain('prefers email', { bankId: 'user:jane@example.com' });
    expect(refused).toMatchObject({ stored: false, memoryId: null });
    expect(refused.reason).toBe(
      'not stored: the bank id contains an email address (email); bank ids are kept in history after forget, so it must be an opaque identifier',
    );
    expect(await brain.banks()).toEqual([]);
    expect(await brain.retain('prefers email', { bankId: 'crm:jane@example.com' })).toMatchObject({
      stored: true,
      warned: ['email'],
    });
    expect(await brain.retain('prefers email', { bankId: randomBankId('user') })).toMatchObject({ stored: true });
  });

  it('refuses a session id holding PII, as it cannot be redacted, unless the policy for it is warn or off', async () => {
    const brain = await brainWith({ pii: { banks: [{ pattern: 'crm:*', overrides: { email: 'warn' } }] } });
    const bankId = randomBankId('user');
    const turns = [
      { speaker: 'user', text: 'hello' },
      { speaker: 'agent', text: 'hi, how can I help?' },
    ];
    const refused = await brain.retainConversation(turns, { bankId, sessionId: 'chat-jane.doe@example.com' });
    const reason =
      'not stored: the session id contains an email address (email); a session id names the session later turns join, so it must be an opaque identifier';
    expect(refused).toEqual([
      { stored: false, memoryId: null, deduplicated: false, reason },
      { stored: false, memoryId: null, deduplicated: false, reason },
    ]);
    expect((await brain.retainConversation(turns, { bankId, sessionId: 'ssn 123-45-6789' }))[0]?.reason).toContain(
      'the session id contains a US social security number (ssn)',
    );
    expect(await brain.banks()).toEqual([]);
    const warned = await brain.retainConversation(turns, { bankId: 'crm:acme', sessionId: 'chat-jane@example.com' });
    expect(warned.map((r) => [r.stored, r.warned])).toEqual([
      [true, ['email']],
      [true, ['email']],
    ]);
    expect(await brain.retainConversation(turns, { bankId, sessionId: 'chat-7f3a' })).toMatchObject([
      { stored: true },
      { stored: true },
    ]);
  });
});

describe('rule output within the limits', () => {
  it('rejects a retain routed to an invalid bank id with a typed error naming the rule, and stores nothing', async () => {
    const brain = await brainWith({ rules: [{ name: 'archive', action: 'route', to: 'archive-{bank}' }] });
    const bank = `u${'x'.repeat(249)}`;
    const error = await brain.retain('old notes', { bankId: bank }).catch((e) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/rule "archive" routes bank/);
    expect(await brain.banks()).toEqual([]);
  });

  it('refuses a retain whose tags exceed the limit once a tag rule adds its own, naming the rule', async () => {
    const governance = new Governance({ rules: [{ name: 'stamp', action: 'tag', tags: ['reviewed', 'team'] }] });
    const tags = Array.from({ length: 31 }, (_, i) => `t${i}`);
    expect(() => governance.prepareRetain(request('x', { tags }))).toThrow(
      /tags: has 33 tags once rule "stamp" added its own; the limit is 32/,
    );
    expect(governance.prepareRetain(request('x', { tags: tags.slice(1) }))).toMatchObject({ kind: 'store' });
  });

  it('matches PII bank patterns with many stars against a long bank id without stalling', () => {
    const governance = new Governance({ pii: { banks: [{ pattern: '*a*a*a*a*a*a*a*a*b', default: 'reject' }] } });
    const plan = governance.prepareRetain(request('mail a@example.com', { bankId: 'a'.repeat(255) }));
    expect(plan).toMatchObject({ kind: 'store', content: 'mail [EMAIL]' });
    const strict = governance.prepareRetain(request('mail a@example.com', { bankId: `${'a'.repeat(254)}b` }));
    expect(strict.kind).toBe('reject');
  });
});

describe('PII barrier: every field', () => {
  it('scans and redacts the path and metadata keys, keeping two redacted keys apart', () => {
    const plan = new Governance().prepareRetain(
      request('notes', {
        path: 'customers/jane@example.com/calls',
        metadata: { 'jane@example.com': 'vip', 'bob@example.com': { '555-123-4567': 'mobile' }, plain: 1 },
      }),
    );
    expect(plan).toMatchObject({
      kind: 'store',
      redacted: ['email', 'phone'],
      path: 'customers/[EMAIL]/calls',
      metadata: { '[EMAIL]': 'vip', '[EMAIL] 2': { '[PHONE]': 'mobile' }, plain: 1 },
    });
    const strict = new Governance({ pii: { default: 'reject' } });
    expect(strict.prepareRetain(request('notes', { path: 'ssn/123-45-6789' })).kind).toBe('reject');
    expect(strict.prepareRetain(request('notes', { metadata: { '4111 1111 1111 1111': true } })).kind).toBe('reject');
  });

  it('stores the redacted path, so list and recall never show the original', async () => {
    const brain = await brainWith();
    const bank = randomBankId();
    await brain.retain('call notes', {
      bankId: bank,
      path: 'clients/jane@example.com',
      metadata: { 'a@b.example': 1 },
    });
    const [memory] = (await brain.list(bank)).items;
    expect(memory).toMatchObject({ path: 'clients/[EMAIL]', metadata: { '[EMAIL]': 1 } });
  });
});
