import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../errors.js';
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
      'r.yaml:3: rule "r1", field after: must be a duration such as 90m, 12h, 30d, 2w, 6mo or 1y; got "soon"',
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
    // A list matches a regex, as it matches a value, when one of its items does.
    expect(
      evaluateRules(rules, { ...good, metadata: { ...good.metadata, region: ['us-east', 'eu-west'] } }).matched,
    ).toHaveLength(1);
    const misses = [
      { metadata: { ...good.metadata, region: ['us-east'] } },
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

// The classic exponential-backtracking shapes, and an email regex of the kind people paste from the web.
const HOSTILE_PATTERNS = ['^(a+)+$', '(a|aa)+$', '^([a-zA-Z0-9_.+-])+@(([a-zA-Z0-9-])+\\.)+([a-zA-Z0-9]{2,4})+$'];

describe('rules: linear time on hostile patterns and input', () => {
  it('runs catastrophic content and metadata regexes over 50,000 characters without stalling', () => {
    const hostile = `${'a'.repeat(50_000)}!`;
    for (const pattern of HOSTILE_PATTERNS) {
      const rules = compileRules([
        { name: 'content', action: 'tag', tags: ['c'], match: { content: pattern } },
        { name: 'metadata', action: 'tag', tags: ['m'], match: { metadata: { note: { regex: pattern } } } },
      ]);
      const outcome = evaluateRules(rules, { ...input, content: hostile, metadata: { note: hostile } });
      expect(outcome.matched, pattern).toEqual([]);
      const fine = evaluateRules(rules, { ...input, content: 'aaaa', metadata: { note: 'aaaa' } });
      expect(fine.addTags, pattern).toEqual(pattern.includes('@') ? [] : ['c', 'm']);
    }
  });

  it('matches a bank glob with many stars against the longest bank id without stalling', () => {
    const rules = compileRules([{ name: 'glob', action: 'tag', tags: ['x'], match: { bank: '*a*a*a*a*a*a*a*a*b' } }]);
    expect(evaluateRules(rules, { ...input, bankId: 'a'.repeat(255) }).matched).toEqual([]);
    expect(evaluateRules(rules, { ...input, bankId: `${'a'.repeat(254)}b` }).addTags).toEqual(['x']);
  });

  it('rejects lookaround and backreferences at load, naming the rule and saying why', () => {
    const cases: [unknown, RegExp][] = [
      [
        { content: 'secret(?=ly)' },
        /rule "x", field match.content: lookahead and lookbehind .* not supported: rules run in linear time/,
      ],
      [{ content: '(?<!un)safe' }, /field match.content: lookahead and lookbehind/],
      [{ content: '(a)\\1' }, /field match.content: backreferences .* not supported/],
      [{ content: '(?<w>a)\\k<w>' }, /field match.content: backreferences/],
      [{ metadata: { note: { regex: '(?=a)' } } }, /field match.metadata.note: lookahead/],
      [{ content: 'a{2000}' }, /field match.content: invalid regular expression: invalid repeat count/],
    ];
    for (const [match, pattern] of cases) {
      expect(configError(() => compileRules([{ name: 'x', action: 'allow', match }])).message).toMatch(pattern);
    }
    // Escaped and bracketed look-alikes are plain text, and JavaScript escapes such as \u00e9 keep working.
    const [plain] = compileRules([{ name: 'p', action: 'allow', match: { content: '\\(\\?=[(?=]\\u00e9' } }]);
    expect(evaluateRules([plain as never], { ...input, content: '(?=(é' }).matched).toHaveLength(1);
  });
});

describe('rules: what a rule produces obeys the limits a caller obeys', () => {
  it('refuses, naming the rule, a route whose destination is not a valid bank id', () => {
    const rules = compileRules([{ name: 'archive', action: 'route', to: 'archive-{bank}' }]);
    const error = (() => {
      try {
        evaluateRules(rules, { ...input, bankId: 'b'.repeat(250) });
      } catch (e) {
        return e;
      }
    })();
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).message).toMatch(
      /rule "archive" routes bank .* \(258 characters\), which is not a valid bank id/,
    );
    expect((error as ValidationError).details).toMatchObject({ field: 'bankId', rule: 'archive' });
    expect(evaluateRules(rules, { ...input, bankId: 'b'.repeat(247) }).routeTo).toHaveLength(255);
  });

  it('checks a static destination at load, and a template against the shortest bank id', () => {
    expect(configError(() => compileRules([{ name: 'r', action: 'route', to: 'x'.repeat(256) }])).message).toMatch(
      /rule "r", field to: does not make a valid bank id/,
    );
    expect(compileRules([{ name: 'r', action: 'route', to: `${'x'.repeat(253)}{bank}` }])).toHaveLength(1);
  });

  it('holds the tags of a tag rule to the tag limits at load: length 64, count 32', () => {
    const long = configError(() => compileRules([{ name: 't', action: 'tag', tags: ['ok', 'x'.repeat(65)] }]));
    expect(long.message).toBe('rules: rule "t", field tags.1: is 65 characters; the limit is 64');
    const many = Array.from({ length: 33 }, (_, i) => `t${i}`);
    expect(configError(() => compileRules([{ name: 't', action: 'tag', tags: many }])).message).toBe(
      'rules: rule "t", field tags: has 33 tags; the limit is 32',
    );
    expect(configError(() => compileRules([{ name: 't', action: 'tag', tags: ['  '] }])).message).toMatch(
      /field tags: must name at least one tag/,
    );
    const [trimmed] = compileRules([{ name: 't', action: 'tag', tags: [' a ', 'a'] }]);
    expect(trimmed?.definition).toMatchObject({ tags: ['a'] });
  });

  it('bounds expiry durations at load: at most 100 years, never Infinity', () => {
    for (const after of [1e308, 36_501, '101y', '99999999999999999999d']) {
      expect(configError(() => compileRules([{ name: 'e', action: 'expire', after }])).message, String(after)).toMatch(
        /rule "e", field after: must be at most 100 years/,
      );
    }
    expect(compileRules([{ name: 'e', action: 'expire', after: '100y' }])[0]?.expiresAfterMs).toBe(
      100 * 31_536_000_000,
    );
  });

  it('refuses `M`, which could be months or minutes, reads `mo` as months and refuses expiries under a minute', () => {
    // `after: 6M` meant six months to the user who wrote it; it was read as six minutes and erased the memories.
    const text = ['- name: contact-data-retention', '  action: expire', '  after: 6M'].join('\n');
    expect(configError(() => parseRulesText(text, 'r.yaml')).message).toBe(
      'r.yaml:3: rule "contact-data-retention", field after: "M" could mean months or minutes: write 6mo for months or 6min for minutes',
    );
    const expiryOf = (value: string | number) =>
      compileRules([{ name: 'e', action: 'expire', after: value }])[0]?.expiresAfterMs;
    const [minute, day] = [60_000, 86_400_000];
    expect([expiryOf('6mo'), expiryOf('90m'), expiryOf('90min'), expiryOf('12H'), expiryOf('1m'), expiryOf(2)]).toEqual(
      [180 * day, 90 * minute, 90 * minute, 12 * 60 * minute, minute, 2 * day],
    );
    // Such an expiry is the instant of the retain: the memory would be stored and never recalled.
    for (const value of [1e-9, '0.0000001m', '0.5m', '30s']) {
      expect(configError(() => expiryOf(value)).message, String(value)).toMatch(
        value === '30s' ? /field after: must be a duration such as/ : /field after: must be at least one minute/,
      );
    }
  });

  it('names the key and what is expected when a rule\'s metadata condition is mistyped, instead of "Invalid input"', () => {
    const errorFor = (condition: string) =>
      configError(() =>
        parseRulesText(`- { name: a, match: { metadata: { k: ${condition} } }, action: reject, reason: r }`, 'r.yaml'),
      ).message;
    expect(errorFor("{ regexp: 'x' }")).toBe(
      'r.yaml:1: rule "a", field match.metadata.k.regexp: unknown key "regexp"; did you mean "regex"?',
    );
    expect(errorFor("{ exists: 'yes' }")).toBe(
      'r.yaml:1: rule "a", field match.metadata.k: exists: must be true or false',
    );
    for (const condition of ["{ regex: 'x', exists: true }", '{}']) {
      expect(errorFor(condition)).toBe(
        'r.yaml:1: rule "a", field match.metadata.k: give exactly one of regex or exists',
      );
    }
    expect(errorFor('null')).toBe(
      'r.yaml:1: rule "a", field match.metadata.k: must be a value (string, number or boolean), a list of values, { regex: "…" } or { exists: true }',
    );
  });

  it('refuses a key beside `rules:` in a rules file, naming it, but keeps one that holds an anchor at any depth', () => {
    // `forget:` moved here from astrocyte.yaml was dropped in silence: no hold was placed.
    const moved = ['rules:', '  - { name: a, action: allow }', 'forget: { legal_hold_tags: [hold] }'].join('\n');
    expect(configError(() => parseRulesText(moved, 'r.yaml')).message).toBe(
      'r.yaml:3: unknown key "forget" beside `rules:`; a rules file holds rules only (forget and pii settings go under governance in astrocyte.yaml)',
    );
    expect(configError(() => parseRulesText('rules: []\nrule: []', 'r.yaml')).message).toMatch(
      /^r\.yaml:2: unknown key "rule" beside `rules:`; did you mean "rules"\?/,
    );
    const anchored = 'shared: &t [x, y]\nrules: [{ name: a, action: tag, tags: *t }]';
    expect(parseRulesText(anchored, 'r.yaml')[0]?.definition).toMatchObject({ tags: ['x', 'y'] });
    // A map of anchors under an `x-` key, as compose files write them.
    const nested = [
      'x-shared:',
      '  temp: &temp [tmp, scratch]',
      'rules:',
      '  - { name: t, match: { tags: *temp }, action: expire, after: 7d }',
    ].join('\n');
    expect(parseRulesText(nested, 'r.yaml')[0]?.definition).toMatchObject({ match: { tags: ['tmp', 'scratch'] } });
    expect(configError(() => parseRulesText('version: 1\nrules: []', 'r.yaml')).message).toMatch(
      /^r\.yaml:1: unknown key "version" beside `rules:`/,
    );
  });

  it('reports a YAML alias bomb as a ConfigError', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...['b', 'c', 'd', 'e', 'f', 'g', 'h'].map(
        (k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`,
      ),
      'rules: []',
    ].join('\n');
    expect(configError(() => parseRulesText(bomb, 'bomb.yaml')).message).toMatch(
      /^bomb\.yaml: invalid YAML: aliases expand too far/,
    );
    const reuse = 'shared: &t [x, y]\nrules: [{ name: a, action: tag, tags: *t }, { name: b, action: tag, tags: *t }]';
    expect(parseRulesText(reuse, 'ok.yaml').map((r) => r.definition)).toMatchObject([{ tags: ['x', 'y'] }, {}]);
  });
});
