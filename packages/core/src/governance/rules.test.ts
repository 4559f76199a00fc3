import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { compileRules, evaluateRules, loadRulesFile, parseRulesText } from './rules.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const input = { content: 'hello', bankId: 'team-a', tags: [] as string[], metadata: {}, pii: new Set<never>() };

describe('rules: loading', () => {
  it('names the file, line, rule and field of a malformed rule', () => {
    const text = [
      'rules:',
      '  - name: ok-rule',
      '    action: tag',
      '    tags: [a]',
      '  - name: bad-route',
      '    action: route',
      '    match: { tags: [hr] }',
    ].join('\n');
    const error = configError(() => parseRulesText(text, 'policy.yaml'));
    expect(error.message).toBe('policy.yaml:5: rule "bad-route", field to: is required');
    expect(error.details).toMatchObject({ rule: 'bad-route', field: 'to', line: 5 });
  });

  it('points at the line of the offending field', () => {
    const text = ['- name: r1', '  action: expire', '  after: soon'].join('\n');
    expect(configError(() => parseRulesText(text, 'r.yaml')).message).toBe(
      'r.yaml:3: rule "r1", field after: must be a duration such as 30d, 12h, 90m, 2w or 1y; got "soon"',
    );
  });

  it('rejects unknown actions, unknown fields, bad regexes, bad templates, duplicates and unnamed rules', () => {
    const cases: [unknown, RegExp][] = [
      [[{ name: 'x', action: 'delete' }], /rule "x".*action must be one of reject, allow, route/],
      [[{ name: 'x', action: 'reject', reason: 'r', colour: 'red' }], /rule "x", field colour: unknown field "colour"/],
      [
        [{ name: 'x', action: 'allow', match: { content: '(' } }],
        /rule "x", field match.content: invalid regular expression/,
      ],
      [[{ name: 'x', action: 'route', to: 'archive-{tenant}' }], /field to: unknown placeholder \{tenant\}/],
      [[{ name: 'x', action: 'route', to: '{bank} archive' }], /field to: does not make a valid bank id/],
      [[{ name: 'x', action: 'reject' }], /rule "x", field reason/],
      [
        [{ name: 'x', action: 'allow', match: { pii: ['passport'] } }],
        /field match.pii: must be "any" or a non-empty list of PII types/,
      ],
      [
        [
          { name: 'x', action: 'allow' },
          { name: 'x', action: 'allow' },
        ],
        /rule "x", field name: .*unique/,
      ],
      [[{ action: 'allow' }], /rule #1, field name/],
      [{ name: 'x' }, /must be a list of rules/],
    ];
    for (const [value, pattern] of cases) expect(configError(() => compileRules(value)).message).toMatch(pattern);
  });

  it('reports invalid YAML and a missing file as ConfigError', () => {
    expect(configError(() => parseRulesText('- name: [unclosed', 'x.yaml')).message).toMatch(
      /^x\.yaml(:\d+)?: invalid YAML/,
    );
    expect(configError(() => loadRulesFile('/nonexistent/rules.yaml')).message).toMatch(/cannot be read/);
  });

  it('loads a plain list from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'astrocyte-rules-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, '- name: keep-all\n  action: allow\n');
    expect(loadRulesFile(file).map((r) => r.definition.name)).toEqual(['keep-all']);
  });
});

describe('rules: evaluation', () => {
  it('runs by priority, file order breaking ties; the first terminal action decides', () => {
    const rules = compileRules([
      { name: 'late', priority: 50, action: 'reject', reason: 'late' },
      { name: 'tag-1', priority: 10, action: 'tag', tags: ['one'] },
      { name: 'route', priority: 20, action: 'route', to: 'x-{bank}' },
      { name: 'tag-2', priority: 10, action: 'tag', tags: ['two'] },
    ]);
    const outcome = evaluateRules(rules, input);
    expect(outcome.matched.map((m) => [m.rule, m.applied])).toEqual([
      ['tag-1', true],
      ['tag-2', true],
      ['route', true],
      ['late', false],
    ]);
    expect(outcome).toMatchObject({ reject: null, routeTo: 'x-team-a', addTags: ['one', 'two'] });
  });

  it('matches content, tags (any of), metadata conditions, PII types and bank patterns, all together', () => {
    const [rule] = compileRules([
      {
        name: 'all',
        action: 'allow',
        match: {
          content: 'invoice',
          tags: ['finance', 'billing'],
          metadata: { 'customer.tier': ['gold', 'platinum'], region: { regex: '^eu-' }, vip: { exists: true } },
          pii: ['iban'],
          bank: ['team-*', 'ops'],
        },
      },
    ]);
    const good = {
      content: 'Invoice paid',
      bankId: 'team-a',
      tags: ['billing'],
      metadata: { customer: { tier: 'gold' }, region: 'eu-west', vip: false },
      pii: new Set(['iban' as const]),
    };
    const rules = [rule as NonNullable<typeof rule>];
    expect(evaluateRules(rules, good).matched).toHaveLength(1);
    const misses = [
      { content: 'receipt' },
      { tags: ['hr'] },
      { metadata: { ...good.metadata, customer: { tier: 'bronze' } } },
      { metadata: { ...good.metadata, region: 'us-east' } },
      { metadata: { customer: { tier: 'gold' }, region: 'eu-west' } },
      { pii: new Set(['email' as const]) },
      { bankId: 'sales' },
    ];
    for (const change of misses)
      expect(evaluateRules(rules, { ...good, ...change }).matched, JSON.stringify(change)).toEqual([]);
  });

  it('takes the earliest expiry when several expire rules match, and `any` PII matches any type', () => {
    const rules = compileRules([
      { name: 'a', match: { pii: 'any' }, action: 'expire', after: '30d' },
      { name: 'b', action: 'expire', after: 12 },
    ]);
    expect(evaluateRules(rules, input).expiresAfterMs).toBe(12 * 86_400_000);
    expect(evaluateRules(rules, { ...input, pii: new Set(['phone' as const]) as never }).expiresAfterMs).toBe(
      12 * 86_400_000,
    );
    const only = compileRules([{ name: 'a', match: { pii: 'any' }, action: 'expire', after: '2h' }]);
    expect(evaluateRules(only, input).expiresAfterMs).toBeNull();
    expect(evaluateRules(only, { ...input, pii: new Set(['phone' as const]) as never }).expiresAfterMs).toBe(7_200_000);
  });
});
