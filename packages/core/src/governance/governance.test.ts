import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brainFromConfig, loadConfigFile } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import type { JsonObject } from '../types.js';
import { Governance } from './governance.js';

const request = (content: string, extra: Partial<{ bankId: string; tags: string[]; metadata: JsonObject }> = {}) => ({
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

  it('leaves recall output alone unless the output scan is on', () => {
    expect(new Governance().scanOutput('mail a@example.com')).toBe('mail a@example.com');
    expect(new Governance({ pii: { scanOutput: true } }).scanOutput('mail a@example.com')).toBe('mail [EMAIL]');
    const offForEmail = new Governance({ pii: { scanOutput: true, overrides: { email: 'off' } } });
    expect(offForEmail.scanOutput('mail a@example.com')).toBe('mail a@example.com');
  });

  it('rejects bad options with a ConfigError naming the option', () => {
    const bad: [unknown, RegExp][] = [
      [{ pii: { default: 'shred' } }, /pii\.default/],
      [{ pii: { overrides: { passport: 'redact' } } }, /pii\.overrides/],
      [{ forget: { maxPerCall: 0 } }, /forget\.maxPerCall/],
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
