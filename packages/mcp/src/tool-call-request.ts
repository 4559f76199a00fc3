import { zodProblem } from '@astrocyte/core';
import {
  type CallToolRequest,
  CallToolRequestParamsSchema,
  ErrorCode,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * The tools/call request schema the memory server registers its handler with. The SDK parses every request with
 * the handler's schema before the handler runs and answers a mismatch with -32603 (internal error) and the raw zod
 * issue list; checking the params here first answers -32602 (invalid params) with a message naming the field.
 * What the arguments hold is the tool's business: the dispatcher reports that as a tool result the model can read.
 */
export const ToolCallRequestSchema = z.object({
  method: z.literal('tools/call'),
  params: z.unknown().transform(checkParams),
});

function checkParams(params: unknown): CallToolRequest['params'] {
  const parsed = CallToolRequestParamsSchema.safeParse(params);
  if (parsed.success) return parsed.data;
  const problem = zodProblem(parsed.error, params, CallToolRequestParamsSchema);
  // Thrown from inside the parse so that the SDK sends this error as it is, code and all.
  throw new McpError(ErrorCode.InvalidParams, `${problem.field || 'params'}: ${problem.message}`);
}
