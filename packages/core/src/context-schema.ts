import { z } from 'zod';
import { accessFields } from './access/access-options.js';
import { ValidationError } from './errors.js';
import type { AstrocyteContext } from './types.js';
import { zodProblem } from './zod-problem.js';

/**
 * An `AstrocyteContext` as integrations take it in their options (MCP server, managed-agents runner and sync): a
 * strict object whose `actor` and `requestId` are non-empty strings and whose `principal` and `onBehalfOf` are
 * principals, parsed to their full form (`alice` becomes `user:alice`). Use it inside a package's own options schema,
 * so that a bad field is reported as `context.principal` with the package's prefix.
 */
export const astrocyteContextSchema = z.strictObject({
  actor: z.string().min(1, 'must be a non-empty string').optional(),
  requestId: z.string().min(1, 'must be a non-empty string').optional(),
  principal: accessFields.principal.optional(),
  onBehalfOf: accessFields.principal.optional(),
});

/**
 * The `context` of a Brain call, checked by the same schema: a misspelt key (`principle`) or a context that is not
 * an object would otherwise be ignored in silence, and the history would record no actor. Null means none, as
 * undefined does.
 */
export function checkContext(context: unknown): AstrocyteContext | undefined {
  if (context === undefined || context === null) return undefined;
  const parsed = astrocyteContextSchema.safeParse(context);
  if (parsed.success) return parsed.data;
  const problem = zodProblem(parsed.error, context, astrocyteContextSchema);
  const message =
    problem.unknownKey === undefined
      ? problem.message
      : `${problem.message}; a context has ${Object.keys(astrocyteContextSchema.shape).join(', ')}`;
  throw new ValidationError(problem.field ? `context.${problem.field}` : 'context', message);
}
