import { z } from 'zod';
import { PII_TYPES } from './pii-detectors.js';
import { policyTag } from './policy-schema.js';

const piiType = z.enum(PII_TYPES as [string, ...string[]], {
  error: () => `must be one of ${PII_TYPES.join(', ')}`,
});
const nonEmpty = z.string().min(1, 'must not be empty');
const oneOrMany = z.union([nonEmpty, z.array(nonEmpty).min(1, 'must name at least one')]);

const metadataCondition = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
  z.strictObject({ regex: nonEmpty }),
  z.strictObject({ exists: z.boolean() }),
]);

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

/** The longest expiry a rule may set, 100 years: enough for any retention policy, and always a valid date. */
export const MAX_EXPIRY_MS = 100 * 31_536_000_000;

/** Parses `30d`, `12h`, `90m`, `2w`, `1y` (365 days) or a number of days into milliseconds; null if malformed. */
export function parseDuration(value: string | number): number | null {
  if (typeof value === 'number') return value * 86_400_000;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w|y)\s*$/i.exec(value);
  if (!m) return null;
  const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }[
    (m[2] as string).toLowerCase() as 'm'
  ];
  return Number(m[1]) * unit;
}
