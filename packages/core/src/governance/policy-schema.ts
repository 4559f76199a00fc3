import { z } from 'zod';
import type { PiiType } from '../types.js';
import { normalizeTag } from '../validation.js';
import { PII_TYPES } from './pii-detectors.js';

// Governance is configured two ways, by astrocyte.yaml (snake_case keys) and by options in code (camelCase): the
// validators and defaults of each field are defined once, here, and both schemas name them in their own case.

const piiAction = z.enum(['redact', 'reject', 'warn', 'off']);
const piiOverrides = z.partialRecord(z.enum(PII_TYPES as [PiiType, ...PiiType[]]), piiAction);

/** The PII policy's fields whose names are the same in both cases; `scan_output` / `scanOutput` is added by each. */
export const piiPolicyFields = {
  default: piiAction.default('redact'),
  overrides: piiOverrides.default({}),
  banks: z
    .array(
      z.strictObject({
        pattern: z.string().min(1),
        default: piiAction.optional(),
        overrides: piiOverrides.optional(),
      }),
    )
    .default([]),
};

/** The PII barrier's output scan, off unless asked for. */
export const scanOutputField = z.boolean().default(false);

/** A path to a rules YAML file, or the rules inline; validated by the rules loader. */
export const rulesField = z.union([z.string().min(1), z.array(z.unknown())]).optional();

/**
 * A tag a policy compares with stored tags (a hold tag, a rule's `match.tags`), read as the brain stores tags: one
 * written `'legal-hold '` or decomposed would otherwise never equal a stored tag, and a hold on it would never hold.
 * No upper bound on its length: the schema cannot know the brain's `limits.maxTagLength`, and a hold on a tag longer
 * than the default limit must hold in a brain configured to store such tags.
 */
export const policyTag = z
  .string()
  .transform(normalizeTag)
  .pipe(z.string().min(1, 'must not be blank: no memory can carry a blank tag'));

/** The forget policy's fields, by their names in code. */
export const forgetPolicyFields = {
  legalHoldTags: z.array(policyTag).default(['legal-hold']),
  minAgeDays: z.number().min(0).max(36_500, 'must be at most 36500 (100 years)').default(0),
  maxPerCall: z.number().int().min(1).default(1000),
};
