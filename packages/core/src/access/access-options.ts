import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { TOKEN_PATTERN, TOKEN_RULE } from '../http/http-access.js';
import { zodProblem } from '../zod-problem.js';
import { bankPatternProblem, fullPrincipalPattern, principalPatternProblem } from './access-patterns.js';
import { type AccessOptions, PERMISSIONS } from './access-types.js';
import { parsePrincipal, principalProblem } from './principal.js';

// Access is configured two ways, by astrocyte.yaml (snake_case keys) and by options in code (camelCase): the
// validators of each field are defined once, here, and both schemas name them in their own case.

function checked(problemOf: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const count = z.number().int().min(1);

/** The fields of grants, quotas, rate limits and tokens, by what they hold. */
export const accessFields = {
  grantPrincipal: checked((value) => principalPatternProblem(value, true)).transform(fullPrincipalPattern),
  grantBanks: checked((value) => bankPatternProblem(value, true)),
  permissions: z.array(z.enum(PERMISSIONS)).min(1, 'must name at least one of read, write, forget, admin'),
  // `{bank}` ties a grant's principal to the bank; a limit has no second field for it to tie.
  limitPrincipal: checked((value) => principalPatternProblem(value, false)).transform(fullPrincipalPattern),
  limitBanks: checked((value) => bankPatternProblem(value, false)),
  count,
  principal: checked((value) => principalProblem(value)).transform((value) => parsePrincipal(value)),
  token: z.string().regex(TOKEN_PATTERN, TOKEN_RULE),
};

/** A refinement of a quota: it must set at least one of its two limits, named as the schema names them. */
export function someQuota(maxMemories: string, maxBytesPerDay: string) {
  return [
    (quota: Record<string, unknown>) => quota[maxMemories] !== undefined || quota[maxBytesPerDay] !== undefined,
    { message: `give ${maxMemories}, ${maxBytesPerDay} or both` },
  ] as const;
}

/** A refinement of a rate limit: it must name whom or what it counts. */
export function someSubject(principal: string, banks: string) {
  return [
    (limit: Record<string, unknown>) => limit[principal] !== undefined || limit[banks] !== undefined,
    { message: `give ${principal}, ${banks} or both: what the limit counts operations of` },
  ] as const;
}

/** A grant: its keys are the same in both cases. */
export const grantSchema = z.strictObject({
  principal: accessFields.grantPrincipal,
  banks: accessFields.grantBanks,
  permissions: accessFields.permissions,
});

const optionsSchema = z.strictObject({
  grants: z.array(grantSchema),
  quotas: z
    .array(
      z
        .strictObject({
          banks: accessFields.limitBanks,
          maxMemories: count.optional(),
          maxBytesPerDay: count.optional(),
        })
        .refine(...someQuota('maxMemories', 'maxBytesPerDay')),
    )
    .default([]),
  rateLimits: z
    .array(
      z
        .strictObject({
          principal: accessFields.limitPrincipal.optional(),
          banks: accessFields.limitBanks.optional(),
          operationsPerMinute: count,
        })
        .refine(...someSubject('principal', 'banks')),
    )
    .default([]),
});

/** Access options after validation: every list present, principal patterns in their full form. */
export type ValidAccessOptions = z.output<typeof optionsSchema>;

/** Validates `AstrocyteOptions.access`; the first problem throws a ConfigError naming the field. */
export function parseAccessOptions(options: AccessOptions): ValidAccessOptions {
  const parsed = optionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problem = zodProblem(parsed.error, options, optionsSchema);
  const where = problem.field ? `access.${problem.field}` : 'access';
  throw new ConfigError(`access options: ${where}: ${problem.message}`, { details: { path: where } });
}
