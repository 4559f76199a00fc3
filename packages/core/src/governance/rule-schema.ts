import { z } from 'zod';
import { PII_TYPES } from './pii-detectors.js';
import { policyTag } from './policy-schema.js';

const piiType = z.enum(PII_TYPES as [string, ...string[]], {
  error: () => `must be one of ${PII_TYPES.join(', ')}`,
});
const nonEmpty = z.string().min(1, 'must not be empty');
const oneOrMany = z.union([nonEmpty, z.array(nonEmpty).min(1, 'must name at least one')]);

const CONDITION_SHAPES = 'a value (string, number or boolean), a list of values, { regex: "…" } or { exists: true }';
const metadataValue = z.union([z.string(), z.number(), z.boolean()]);
// One object with both keys optional, not a union of two: a typo in it (`regexp`, `exists: yes`) is then reported as
// that key's problem instead of zod's bare "Invalid input" for a union no branch of which fits.
const conditionObject = z
  .strictObject({
    regex: nonEmpty.optional(),
    exists: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((c) => (c.regex === undefined) !== (c.exists === undefined), 'give exactly one of regex or exists');
const metadataCondition = z.union(
  [z.string(), z.number(), z.boolean(), z.array(metadataValue).min(1, 'must list at least one value'), conditionObject],
  { error: (issue) => conditionObjectProblem(issue.input) ?? `must be ${CONDITION_SHAPES}` },
);

// zod tries an object against every branch and, when `exists: yes` fits none, says only that: the object's own
// problem is the one to report.
function conditionObjectProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const issue = conditionObject.safeParse(input).error?.issues[0];
  return issue && `${issue.path.map(String).join('.')}: ${issue.message}`;
}

const match = z.strictObject({
  /** A regular expression, matched case-insensitively anywhere in the content. */
  content: nonEmpty.optional(),
  /** Any of these tags. */
  tags: z.array(policyTag).min(1, 'must name at least one tag').optional(),
  /** Every listed field (dotted paths reach into objects) must satisfy its condition. */
  metadata: z.record(z.string(), metadataCondition).optional(),
  /** Any of these PII types detected in the request, or `any` for any PII at all. */
  pii: z
    .union([z.literal('any'), z.array(piiType).min(1)], {
      error: () => `must be "any" or a non-empty list of PII types (${PII_TYPES.join(', ')})`,
    })
    .optional(),
  /** Bank patterns: `*` matches any run of characters, `?` one character. */
  bank: oneOrMany.optional(),
});

const base = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,99}$/, 'must be 1 to 100 letters, digits, spaces or _ . : -'),
  description: z.string().optional(),
  /** Lower numbers run first; rules of equal priority run in file order. */
  priority: z.number().int().min(0).max(1_000_000).default(100),
  match: match.default({}),
  reason: nonEmpty.optional(),
};

/** One rule as written in YAML: conditions under `match`, one `action` and that action's own fields. */
export const ruleSchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ ...base, action: z.literal('reject'), reason: nonEmpty }),
    z.strictObject({ ...base, action: z.literal('allow') }),
    z.strictObject({ ...base, action: z.literal('route'), to: nonEmpty }),
    z.strictObject({ ...base, action: z.literal('redact'), types: z.array(piiType).min(1).optional() }),
    z.strictObject({ ...base, action: z.literal('tag'), tags: z.array(nonEmpty).min(1, 'must name at least one tag') }),
    z.strictObject({ ...base, action: z.literal('expire'), after: z.union([nonEmpty, z.number().positive()]) }),
  ],
  { error: () => 'action must be one of reject, allow, route, redact, tag, expire' },
);

/** A rule as written, validated, defaults filled in. */
export type RuleDefinition = z.output<typeof ruleSchema>;

const MINUTE = 60_000;
const DAY = 86_400_000;

// The shortest expiry a rule may set: a memory that expires the instant it is stored would never be recalled.
const MIN_EXPIRY_MS = MINUTE;
// The longest, 100 years: enough for any retention policy, and always a valid date.
const MAX_EXPIRY_MS = 100 * 365 * DAY;

// Read in any case but one: `M` alone, six months in many retention policies and six minutes in others, is refused.
const DURATION_UNITS = new Map([
  ['m', MINUTE],
  ['min', MINUTE],
  ['h', 60 * MINUTE],
  ['d', DAY],
  ['w', 7 * DAY],
  ['mo', 30 * DAY],
  ['y', 365 * DAY],
]);

/**
 * Reads `90m` or `90min`, `12h`, `30d`, `2w`, `6mo` (30 days each), `1y` (365 days) or a number of days into
 * milliseconds, from one minute to 100 years; otherwise says what is wrong.
 */
export function parseDuration(value: string | number): { ms: number } | { problem: string } {
  const got = JSON.stringify(value);
  let ms: number;
  if (typeof value === 'number') ms = value * DAY;
  else {
    const parts = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(value);
    const [amount, unit] = [parts?.[1], parts?.[2]];
    if (unit === 'M')
      return { problem: `"M" could mean months or minutes: write ${amount}mo for months or ${amount}min for minutes` };
    const size = unit === undefined ? undefined : DURATION_UNITS.get(unit.toLowerCase());
    if (size === undefined) return { problem: `must be a duration such as 90m, 12h, 30d, 2w, 6mo or 1y; got ${got}` };
    ms = Number(amount) * size;
  }
  if (!(ms >= MIN_EXPIRY_MS)) return { problem: `must be at least one minute; got ${got}` };
  // Without a bound, `after: 1e308` would load and then make every retain's expiry an invalid date.
  if (ms > MAX_EXPIRY_MS) return { problem: `must be at most 100 years; got ${got}` };
  return { ms };
}
