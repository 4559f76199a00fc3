import {
  type AstrocyteContext,
  astrocyteContextSchema,
  type BearerToken,
  checkBankId,
  didYouMean,
  parsePrincipal,
  ValidationError,
  zodProblem,
} from '@astrocyte/core';
import { z } from 'zod';

/** How a memory MCP server is bound: one bank, and which tools it offers. */
export interface MemoryMcpServerOptions {
  /** Every tool call reads and writes this bank; the model cannot choose another. */
  bankId: string;
  /** Offer `memory_forget`; off by default because deletion is permanent. */
  includeForget?: boolean;
  /** Offer `memory_reflect`; on by default. */
  includeReflect?: boolean;
  /**
   * Passed to every tool call. `principal` (and `onBehalfOf`) are checked against the brain's grants when access is
   * configured: over stdio they are the process's; over HTTP a caller's token may name another principal. The actor
   * recorded in version history defaults to the principal, else to `mcp:<client name>`.
   */
  context?: AstrocyteContext;
  /** The server name shown to clients. */
  name?: string;
  /**
   * Hears of each tool call that failed by the server's fault (a store, a provider, a bug): the model is told only
   * the failure's code and what it means (`storage_error: …`), since the message may quote another caller's memory
   * or name the database's host, so this is where the operator learns the cause.
   */
  onToolError?: (error: unknown, tool: string) => void;
}

const schema = z.strictObject({
  bankId: z.string(),
  includeForget: z.boolean().default(false),
  includeReflect: z.boolean().default(true),
  context: astrocyteContextSchema.optional(),
  name: z.string().min(1).default('astrocyte-memory'),
  onToolError: z
    .custom<NonNullable<MemoryMcpServerOptions['onToolError']>>((v) => typeof v === 'function', 'must be a function')
    .optional(),
});

const tokensSchema = z.array(z.strictObject({ token: z.string(), principal: z.string().optional() }));

/** Validates server options; errors name the package and the field. Principals come back in canonical form. */
export function parseServerOptions(options: MemoryMcpServerOptions): z.output<typeof schema> {
  const data = parse(schema, options, 'options');
  checkBankId(data.bankId, '@astrocyte/mcp bankId');
  return data;
}

/**
 * The bearer tokens an HTTP server accepts: the single `token` (whose calls carry the server's own principal) and
 * each of `tokens` with the principal it maps to, in canonical form. Token values never appear in errors.
 */
export function parseBearerTokens(token: string | undefined, tokens: BearerToken[] | undefined): BearerToken[] {
  if (token !== undefined && typeof token !== 'string')
    throw new ValidationError('@astrocyte/mcp token', `must be a string, got ${typeof token}`);
  const mapped = parse(tokensSchema, tokens ?? [], 'tokens');
  return [
    ...(token === undefined ? [] : [{ token }]),
    ...mapped.map((entry, index) =>
      entry.principal === undefined
        ? { token: entry.token }
        : {
            token: entry.token,
            principal: parsePrincipal(entry.principal, `@astrocyte/mcp tokens.${index}.principal`),
          },
    ),
  ];
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problem = zodProblem(parsed.error, value, schema);
  const field = what === 'options' ? problem.field : [what, problem.field].filter(Boolean).join('.');
  throw new ValidationError(
    `@astrocyte/mcp ${field || what}`,
    problem.unknownKey ? `is not an option${didYouMean(problem.suggestion)}` : problem.message,
  );
}
