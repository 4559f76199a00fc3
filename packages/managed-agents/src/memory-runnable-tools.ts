import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import {
  type AstrocyteContext,
  type Brain,
  checkBankId,
  checkKnownKeys,
  handleMemoryTool,
  isServerFailure,
  memoryToolDefinitions,
  parseToolInput,
  toolFailureText,
} from '@astrocyte/core';

/** Which memory tools to build and where they act. */
export interface MemoryRunnableToolsOptions {
  /** The bank every call reads and writes; the model never chooses it. */
  bankId: string;
  includeReflect?: boolean;
  includeForget?: boolean;
  context?: AstrocyteContext;
}

/**
 * The memory tools in the SDK's `BetaRunnableTool` shape, for `client.beta.sessions.events.toolRunner` and
 * `client.beta.messages.toolRunner`. A bad input makes `run` throw, which the runners send back as an error result.
 */
export function memoryRunnableTools(
  brain: Brain,
  options: MemoryRunnableToolsOptions,
): BetaRunnableTool<Record<string, unknown>>[] {
  const bankId = checkBankId(options?.bankId);
  checkKnownKeys(
    options,
    ['bankId', 'includeReflect', 'includeForget', 'context'],
    '',
    'an option of the memory tools',
  );
  const { includeReflect, includeForget, context } = options;
  return memoryToolDefinitions({
    ...(includeReflect === undefined ? {} : { includeReflect }),
    ...(includeForget === undefined ? {} : { includeForget }),
  }).map((definition) => ({
    type: 'custom' as const,
    name: definition.name,
    description: definition.description,
    input_schema: definition.input_schema,
    parse: parseToolInput,
    run: async (input: Record<string, unknown>) => {
      try {
        return await handleMemoryTool(brain, definition.name, input, { bankId, ...(context ? { context } : {}) });
      } catch (error) {
        // The runner sends the message to the model: a store's or provider's own (a path, a host, a memory) must not
        // go, only its code and what it means; the error stays as the cause.
        if (!isServerFailure(error)) throw error;
        throw new Error(toolFailureText(error), { cause: error });
      }
    },
  }));
}
