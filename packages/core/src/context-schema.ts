import { z } from 'zod';
import { accessFields } from './access/access-options.js';

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
