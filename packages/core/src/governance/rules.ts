import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ValidationError } from '../errors.js';
import type { JsonObject, JsonValue, PiiType, RuleMatch } from '../types.js';
import { checkBankId } from '../validation.js';
import { compileBankPattern } from './bank-pattern.js';
import { parseDuration, type RuleDefinition, ruleSchema } from './rule-schema.js';

/** A validated rule with its patterns compiled. */
export interface CompiledRule {
  definition: RuleDefinition;
  content: RegExp | null;
  banks: RegExp[] | null;
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
      const issue = parsed.error.issues[0] as z.core.$ZodIssue;
      const field =
        issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]].join('.') : issue.path.join('.');
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown field "${issue.keys[0]}" for this action`
          : / received undefined$/.test(issue.message)
            ? 'is required'
            : issue.message;
      return fail(message, index, name, field || null);
    }
    const rule = parsed.data;
    if (names.has(rule.name))
      fail('a rule with this name comes earlier; names must be unique', index, rule.name, 'name');
    names.add(rule.name);
    let content: RegExp | null = null;
    if (rule.match.content !== undefined) {
      try {
        content = new RegExp(rule.match.content, 'i');
      } catch (error) {
        fail(`invalid regular expression: ${(error as Error).message}`, index, rule.name, 'match.content');
      }
    }
    for (const [field, condition] of Object.entries(rule.match.metadata ?? {})) {
      if (typeof condition === 'object' && condition !== null && 'regex' in condition) {
        try {
          new RegExp(condition.regex, 'i');
        } catch (error) {
          fail(`invalid regular expression: ${(error as Error).message}`, index, rule.name, `match.metadata.${field}`);
        }
      }
    }
    const bankPatterns = rule.match.bank === undefined ? null : [rule.match.bank].flat();
    let expiresAfterMs: number | null = null;
    if (rule.action === 'route') {
      const unknown = rule.to.match(/\{(?!bank\})[^}]*\}/);
      if (unknown) fail(`unknown placeholder ${unknown[0]}; only {bank} is supported`, index, rule.name, 'to');
      try {
        checkBankId(rule.to.replaceAll('{bank}', 'bank'));
      } catch (error) {
        fail(`does not make a valid bank id: ${(error as ValidationError).message}`, index, rule.name, 'to');
      }
    }
    if (rule.action === 'expire') {
      expiresAfterMs = parseDuration(rule.after);
      if (expiresAfterMs === null || expiresAfterMs <= 0) {
        fail(
          `must be a duration such as 30d, 12h, 90m, 2w or 1y; got ${JSON.stringify(rule.after)}`,
          index,
          rule.name,
          'after',
        );
      }
    }
    return { definition: rule, content, banks: bankPatterns?.map(compileBankPattern) ?? null, expiresAfterMs };
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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [syntaxError] = doc.errors;
  if (syntaxError) {
    const line = syntaxError.linePos?.[0]?.line;
    throw new ConfigError(`${label}${line ? `:${line}` : ''}: invalid YAML: ${syntaxError.message.split('\n')[0]}`, {
      details: { file: label, ...(line ? { line } : {}) },
    });
  }
  const value = doc.toJS();
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

/** Runs the rules in priority order. Every match is reported; only those up to the first terminal action apply. */
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
        outcome.routeTo = def.to.replaceAll('{bank}', input.bankId);
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
  if (rule.banks && !rule.banks.some((p) => p.test(input.bankId))) return false;
  for (const [field, condition] of Object.entries(m.metadata ?? {})) {
    if (!metadataMatches(lookup(input.metadata, field), condition)) return false;
  }
  return true;
}

function lookup(metadata: JsonObject, path: string): JsonValue | undefined {
  let value: JsonValue | undefined = metadata;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = value[key];
  }
  return value;
}

type MetadataCondition = NonNullable<RuleDefinition['match']['metadata']>[string];

function metadataMatches(value: JsonValue | undefined, condition: MetadataCondition): boolean {
  if (Array.isArray(condition)) return condition.some((c) => metadataMatches(value, c));
  if (typeof condition === 'object' && condition !== null) {
    if ('exists' in condition) return (value !== undefined && value !== null) === condition.exists;
    return typeof value === 'string' || typeof value === 'number'
      ? new RegExp(condition.regex, 'i').test(String(value))
      : false;
  }
  if (Array.isArray(value)) return value.some((v) => v === condition);
  return value === condition;
}

function isRulesDocument(value: unknown): value is { rules: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'rules' in value;
}
