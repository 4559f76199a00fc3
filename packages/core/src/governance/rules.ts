import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, type LineCounter, visit } from 'yaml';
import { type ParsedYaml, parseYaml } from '../config/parse-yaml.js';
import { ConfigError, ValidationError } from '../errors.js';
import { didYouMean, nearestKey } from '../nearest-key.js';
import type { JsonObject, JsonValue, PiiType, RuleMatch } from '../types.js';
import { checkBankId, checkTags, DEFAULT_LIMITS } from '../validation.js';
import { zodProblem } from '../zod-problem.js';
import { matchesBankPattern } from './bank-pattern.js';
import { compileRuleRegex, type RuleRegex } from './rule-regex.js';
import { parseDuration, type RuleDefinition, ruleSchema } from './rule-schema.js';

/** A validated rule with its patterns compiled. */
export interface CompiledRule {
  definition: RuleDefinition;
  content: RuleRegex | null;
  /** `match.metadata` regex conditions, by field. */
  metadataRegexes: Map<string, RuleRegex>;
  banks: string[] | null;
  /** For `expire`: milliseconds from retain to expiry. */
  expiresAfterMs: number | null;
}

/** What the request looks like to the rules: the request as given, plus the PII types detected in it. */
export interface RuleInput {
  content: string;
  bankId: string;
  tags: string[];
  metadata: JsonObject;
  pii: ReadonlySet<PiiType>;
}

/** The combined effect of the rules on one request. */
export interface RuleOutcome {
  matched: RuleMatch[];
  reject: { rule: string; reason: string } | null;
  routeTo: string | null;
  addTags: string[];
  expiresAfterMs: number | null;
  /** PII types a `redact` rule forces to be redacted; `detected` means every type found. */
  forceRedact: Set<PiiType | 'detected'>;
}

const TERMINAL = new Set(['reject', 'route', 'allow']);

/**
 * Validates and compiles rules as written in YAML. Errors name the rule, the field and, for a file, the line.
 * `lineOf(index, path)` maps a rule's field to its line in the source file.
 */
export function compileRules(
  value: unknown,
  source: { label: string; lineOf?: (path: (string | number)[]) => number | undefined } = { label: 'rules' },
): CompiledRule[] {
  const raw = isRulesDocument(value) ? value.rules : value;
  if (raw === undefined || raw === null) return [];
  const fail = (message: string, index: number | null, rule: string | null, field: string | null): never => {
    const line = index !== null ? source.lineOf?.([index, ...(field ? field.split('.') : [])]) : undefined;
    const where = `${source.label}${line ? `:${line}` : ''}`;
    const who = rule ? `rule "${rule}"` : index !== null ? `rule #${index + 1}` : 'rules';
    throw new ConfigError(`${where}: ${who}${field ? `, field ${field}` : ''}: ${message}`, {
      details: {
        source: source.label,
        ...(rule ? { rule } : {}),
        ...(field ? { field } : {}),
        ...(line ? { line } : {}),
      },
    });
  };
  if (!Array.isArray(raw)) return fail('must be a list of rules (or a mapping with a `rules:` list)', null, null, null);
  const names = new Set<string>();
  const compiled = raw.map((item, index): CompiledRule => {
    const name =
      typeof item === 'object' && item !== null && typeof item.name === 'string' ? (item.name as string) : null;
    const parsed = ruleSchema.safeParse(item);
    if (!parsed.success) {
      const problem = zodProblem(parsed.error, item, ruleSchema);
      // A rule's own field depends on its action; a key deeper down (in a metadata condition) does not.
      const message =
        problem.unknownKey && problem.path.length === 1
          ? `unknown field "${problem.unknownKey}" for this action${didYouMean(problem.suggestion)}`
          : problem.message;
      return fail(message, index, name, problem.field || null);
    }
    let rule = parsed.data;
    if (names.has(rule.name))
      fail('a rule with this name comes earlier; names must be unique', index, rule.name, 'name');
    names.add(rule.name);
    const regex = (source: string, field: string): RuleRegex => {
      try {
        return compileRuleRegex(source);
      } catch (error) {
        return fail((error as Error).message, index, rule.name, field);
      }
    };
    const content = rule.match.content === undefined ? null : regex(rule.match.content, 'match.content');
    const metadataRegexes = new Map<string, RuleRegex>();
    for (const [field, condition] of Object.entries(rule.match.metadata ?? {})) {
      if (
        typeof condition === 'object' &&
        condition !== null &&
        'regex' in condition &&
        condition.regex !== undefined
      ) {
        metadataRegexes.set(field, regex(condition.regex, `match.metadata.${field}`));
      }
    }
    let expiresAfterMs: number | null = null;
    if (rule.action === 'route') {
      const unknown = rule.to.match(/\{(?!bank\})[^}]*\}/);
      if (unknown) fail(`unknown placeholder ${unknown[0]}; only {bank} is supported`, index, rule.name, 'to');
      // The shortest bank id stands in for {bank}; a longer one is checked when the rule routes it (evaluateRules).
      try {
        checkBankId(rule.to.replaceAll('{bank}', 'b'));
      } catch (error) {
        fail(`does not make a valid bank id: ${(error as ValidationError).message}`, index, rule.name, 'to');
      }
    }
    if (rule.action === 'tag') {
      // The tags a rule adds obey the limits of the tags a caller gives: trimmed, at most 64 characters, 32 tags.
      let tags: string[] = [];
      try {
        tags = checkTags(rule.tags, DEFAULT_LIMITS);
      } catch (error) {
        const { field, message } = fieldOf(error as ValidationError);
        fail(message, index, rule.name, field);
      }
      if (tags.length === 0) fail('must name at least one tag', index, rule.name, 'tags');
      rule = { ...rule, tags };
    }
    if (rule.action === 'expire') {
      const after = parseDuration(rule.after);
      if ('problem' in after) return fail(after.problem, index, rule.name, 'after');
      expiresAfterMs = after.ms;
    }
    const banks = rule.match.bank === undefined ? null : [rule.match.bank].flat();
    return { definition: rule, content, metadataRegexes, banks, expiresAfterMs };
  });
  // A stable sort keeps file order among equal priorities.
  return compiled
    .map((rule, i) => ({ rule, i }))
    .sort((a, b) => a.rule.definition.priority - b.rule.definition.priority || a.i - b.i)
    .map((x) => x.rule);
}

/** Reads and compiles a rules YAML file; errors name the file, line, rule and field. */
export function loadRulesFile(path: string): CompiledRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`rules file ${path} cannot be read: ${(cause as Error).message}`, {
      cause,
      details: { file: path },
    });
  }
  return parseRulesText(text, path);
}

/** Parses rules from YAML text; `label` names the source in errors. */
export function parseRulesText(text: string, label = 'rules.yaml'): CompiledRule[] {
  const { doc, lineCounter, value } = parseYaml(text, label);
  if (isRulesDocument(value)) refuseKeysBesideRules(doc, lineCounter, label);
  const prefix = isRulesDocument(value) ? ['rules'] : [];
  const lineOf = (path: (string | number)[]): number | undefined => {
    // The deepest part of the path that exists: a missing field reports the line of the rule that lacks it.
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn([...prefix, ...path.slice(0, n)], true) as { range?: [number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return compileRules(value, { label, lineOf });
}

// A key beside `rules:` (`forget:` or `pii:` moved from astrocyte.yaml, a misspelt second list) was dropped in
// silence, its settings never applied. A key that holds anchors for the rules is kept, whether its value is the
// anchor (`shared: &t [x, y]`) or a map of them (`x-shared: { temp: &temp [tmp] }`, the idiom of compose files).
function refuseKeysBesideRules(doc: ParsedYaml['doc'], lineCounter: LineCounter, label: string): void {
  if (!isMap(doc.contents)) return;
  for (const { key: node, value } of doc.contents.items) {
    const key = String(isScalar(node) ? node.value : node);
    if (key === 'rules' || holdsAnchor(value)) continue;
    const line = isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
    throw new ConfigError(
      `${label}${line ? `:${line}` : ''}: unknown key "${key}" beside \`rules:\`${didYouMean(nearestKey(key, ['rules']))}; a rules file holds rules only (forget and pii settings go under governance in astrocyte.yaml)`,
      { details: { source: label, field: key, ...(line ? { line } : {}) } },
    );
  }
}

function holdsAnchor(value: unknown): boolean {
  if (!isNode(value)) return false;
  let found = false;
  visit(value, (_key, node) => {
    if (!isNode(node) || !node.anchor) return undefined;
    found = true;
    return visit.BREAK;
  });
  return found;
}

/**
 * Runs the rules in priority order. Every match is reported; only those up to the first terminal action apply.
 * Throws ValidationError, naming the rule, when a route would make an invalid bank id.
 */
export function evaluateRules(rules: CompiledRule[], input: RuleInput): RuleOutcome {
  const outcome: RuleOutcome = {
    matched: [],
    reject: null,
    routeTo: null,
    addTags: [],
    expiresAfterMs: null,
    forceRedact: new Set(),
  };
  let decidedBy: string | null = null;
  for (const rule of rules) {
    if (!ruleMatches(rule, input)) continue;
    const def = rule.definition;
    const match: RuleMatch = { rule: def.name, action: def.action, applied: decidedBy === null };
    if (def.reason) match.reason = def.reason;
    if (decidedBy !== null) {
      match.reason = `${def.reason ? `${def.reason}; ` : ''}not applied: rule "${decidedBy}" decided first`;
      outcome.matched.push(match);
      continue;
    }
    outcome.matched.push(match);
    switch (def.action) {
      case 'reject':
        outcome.reject = { rule: def.name, reason: def.reason };
        break;
      case 'route':
        outcome.routeTo = routedBank(def.name, def.to, input.bankId);
        break;
      case 'tag':
        outcome.addTags.push(...def.tags.filter((t) => !outcome.addTags.includes(t)));
        break;
      case 'expire':
        outcome.expiresAfterMs = Math.min(
          outcome.expiresAfterMs ?? Number.POSITIVE_INFINITY,
          rule.expiresAfterMs as number,
        );
        break;
      case 'redact':
        for (const type of def.types ?? ['detected' as const]) outcome.forceRedact.add(type as PiiType | 'detected');
        break;
      case 'allow':
        break;
    }
    if (TERMINAL.has(def.action)) decidedBy = def.name;
  }
  return outcome;
}

function ruleMatches(rule: CompiledRule, input: RuleInput): boolean {
  const m = rule.definition.match;
  if (rule.content && !rule.content.test(input.content)) return false;
  if (m.tags && !m.tags.some((t) => input.tags.includes(t))) return false;
  if (m.pii !== undefined) {
    if (m.pii === 'any' ? input.pii.size === 0 : !m.pii.some((t) => input.pii.has(t as PiiType))) return false;
  }
  if (rule.banks && !rule.banks.some((p) => matchesBankPattern(p, input.bankId))) return false;
  for (const [field, condition] of Object.entries(m.metadata ?? {})) {
    const value = lookup(input.metadata, field);
    const regex = rule.metadataRegexes.get(field);
    // Like an equality, a regex holds for a list when it holds for one of its items: `region: ['eu-west']` is in
    // the EU as `region: 'eu-west'` is.
    const holds = regex
      ? (Array.isArray(value) ? value : [value]).some(
          (item) => (typeof item === 'string' || typeof item === 'number') && regex.test(String(item)),
        )
      : metadataMatches(value, condition);
    if (!holds) return false;
  }
  return true;
}

// A memory stored under an id that list, recall, forget and history refuse could never be reached again.
function routedBank(rule: string, to: string, bankId: string): string {
  const destination = to.replaceAll('{bank}', bankId);
  try {
    return checkBankId(destination);
  } catch (error) {
    throw new ValidationError(
      'bankId',
      `rule "${rule}" routes bank ${JSON.stringify(bankId)} to ${JSON.stringify(destination.slice(0, 80))}${destination.length > 80 ? '…' : ''} (${destination.length} characters), which is not a valid bank id; nothing was stored`,
      { cause: error, details: { rule } },
    );
  }
}

function lookup(metadata: JsonObject, path: string): JsonValue | undefined {
  let value: JsonValue | undefined = metadata;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, key) ? value[key] : undefined;
  }
  return value;
}

type MetadataCondition = NonNullable<RuleDefinition['match']['metadata']>[string];

// Regex conditions are compiled at load and tested in ruleMatches; this handles every other kind.
function metadataMatches(value: JsonValue | undefined, condition: MetadataCondition): boolean {
  if (Array.isArray(condition)) return condition.some((c) => metadataMatches(value, c));
  if (typeof condition === 'object' && condition !== null) {
    return 'exists' in condition && (value !== undefined && value !== null) === condition.exists;
  }
  if (Array.isArray(value)) return value.some((v) => v === condition);
  return value === condition;
}

function isRulesDocument(value: unknown): value is { rules: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'rules' in value;
}

// `tags[2]: is 70 characters…` from checkTags becomes field `tags.2`, the path the rule's line is found by.
function fieldOf(error: ValidationError): { field: string; message: string } {
  const field = String(error.details.field);
  return { field: field.replace(/\[(\d+)\]/g, '.$1'), message: error.message.slice(field.length + 2) };
}
