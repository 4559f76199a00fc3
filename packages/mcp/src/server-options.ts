import { type AstrocyteContext, checkBankId, ValidationError, zodProblem } from '@astrocyte/core';
import { z } from 'zod';

/** How a memory MCP server is bound: one bank, and which tools it offers. */
export interface MemoryMcpServerOptions {
  /** Every tool call reads and writes this bank; the model cannot choose another. */
  bankId: string;
  /** Offer `memory_forget`; off by default because deletion is permanent. */
  includeForget?: boolean;
  /** Offer `memory_reflect`; on by default. */
  includeReflect?: boolean;
  /** Recorded in version history; the actor defaults to `mcp:<client name>`. */
  context?: AstrocyteContext;
  /** The server name shown to clients. */
  name?: string;
}

const schema = z.strictObject({
  bankId: z.string(),
  includeForget: z.boolean().default(false),
  includeReflect: z.boolean().default(true),
  context: z.strictObject({ actor: z.string().min(1).optional(), requestId: z.string().min(1).optional() }).optional(),
  name: z.string().min(1).default('astrocyte-memory'),
});

/** Validates server options; errors name the package and the field. */
export function parseServerOptions(options: MemoryMcpServerOptions): z.output<typeof schema> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) {
    const problem = zodProblem(parsed.error, options);
    throw new ValidationError(
      `@astrocyte/mcp ${problem.field || 'options'}`,
      problem.unknownKey ? 'is not an option' : problem.message,
    );
  }
  checkBankId(parsed.data.bankId, '@astrocyte/mcp bankId');
  return parsed.data;
}
