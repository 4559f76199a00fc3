import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { didYouMean, nearestKey, schemaKeysAt } from './nearest-key.js';

/** The first problem zod found in some input, in the words every Astrocyte error uses. */
export interface ZodProblem {
  /** Where the problem is; for an unknown key, the path ends with that key. */
  path: (string | number)[];
  /** `path` joined with dots; empty for the input as a whole (callers name that themselves). */
  field: string;
  /** The key the schema does not know, when that is the problem. */
  unknownKey?: string;
  /** The key the schema allows there that the unknown one is likely a typo of. */
  suggestion?: string;
  /**
   * What is wrong: `is required`, `must be a number, got string`, `unknown key "x"` (with `; did you mean "y"?` when
   * there is a suggestion), or the schema's own message.
   */
  message: string;
}

/**
 * Turns the first issue of a failed parse of `input` with `schema` into a field and a message; the caller throws its
 * own error class with its own prefix.
 */
export function zodProblem(error: z.ZodError, input: unknown, schema: z.ZodType): ZodProblem {
  const issue = error.issues[0] as z.core.$ZodIssue;
  const parent = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
  if (issue.code === 'unrecognized_keys') {
    const key = String(issue.keys[0]);
    const path = [...parent, key];
    const suggestion = nearestKey(key, schemaKeysAt(schema, parent));
    return {
      path,
      field: path.join('.'),
      unknownKey: key,
      ...(suggestion === undefined ? {} : { suggestion }),
      message: `unknown key "${key}"${didYouMean(suggestion)}`,
    };
  }
  let message = issue.message;
  // A section whose kind is chosen by one key (`provider`): say it is missing, or which values it takes, in our words,
  // unless its schema has words of its own.
  if (
    issue.code === 'invalid_union' &&
    message.startsWith('Invalid discriminator value') &&
    'options' in issue &&
    Array.isArray(issue.options)
  ) {
    const value = valueAt(input, parent);
    const choices = issue.options.map((option) => `"${String(option)}"`).join(', ');
    message =
      value === undefined
        ? `is required in this section: one of ${choices}`
        : `must be one of ${choices}, got ${typeof value === 'string' ? `"${value}"` : kindOf(value)}`;
  }
  if (issue.code === 'invalid_type' && message.startsWith('Invalid input:')) {
    const value = valueAt(input, parent);
    message = value === undefined ? 'is required' : `must be ${article(issue.expected)}, got ${kindOf(value)}`;
  }
  return { path: parent, field: parent.join('.'), message };
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((object, key) => (object as Record<PropertyKey, unknown> | null)?.[key], input);
}

function article(expected: string): string {
  if (expected === 'record' || expected === 'object') return 'an object';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // YAML reads 1e400 as Infinity, and .nan as NaN: numbers, but no number a setting can take.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

/**
 * Parses the options a package was given with its `schema`; the first problem throws a ConfigError (`invalid_options`)
 * naming the package and the field.
 */
export function parsePackageOptions<S extends z.ZodType>(packageName: string, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input === undefined ? {} : input);
  if (parsed.success) return parsed.data;
  const problem = zodProblem(parsed.error, input, schema);
  const field = problem.field || 'options';
  const message =
    problem.unknownKey === undefined
      ? problem.message
      : problem.path.length === 1
        ? `unknown option; valid options are ${Object.keys((schema as unknown as z.ZodObject).shape ?? {}).join(', ')}${didYouMean(problem.suggestion)}`
        : `unknown option${didYouMean(problem.suggestion)}`;
  throw new ConfigError(`${packageName}: ${field}: ${message}`, {
    code: 'invalid_options',
    details: { package: packageName, field },
  });
}
