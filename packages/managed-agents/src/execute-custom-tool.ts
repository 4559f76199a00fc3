import {
  type AstrocyteContext,
  type Brain,
  handleMemoryTool,
  isMemoryTool,
  type MemoryToolName,
  memoryToolDefinitions,
  toolFailureText,
} from '@astrocyte/core';
import type { CustomToolUseEvent } from './session-events.js';
import type { NonMemoryToolHandler } from './session-options.js';

/** What a custom tool call produced: the text the model reads and whether it is an error. */
export interface CustomToolOutcome {
  text: string;
  isError: boolean;
}

/** Where and how custom tool calls run. */
export interface CustomToolBinding {
  brain: Brain;
  bankId: string;
  context?: AstrocyteContext;
  /**
   * The memory tools the agent was given, as passed to `memoryToolDefinitions` (reflect on, forget off unless
   * asked): a call to any other memory tool gets an error result and changes nothing.
   */
  includeReflect?: boolean;
  includeForget?: boolean;
  nonMemoryToolHandler?: NonMemoryToolHandler;
  /** Given to `nonMemoryToolHandler`: aborts when the caller stops waiting for it (never, without one). */
  signal?: AbortSignal;
}

/**
 * Runs one custom tool call: memory tools through `handleMemoryTool`, others through the handler.
 * Never throws: a failure becomes an error result the model can read and act on.
 */
export async function executeCustomTool(
  call: CustomToolUseEvent,
  binding: CustomToolBinding,
): Promise<CustomToolOutcome> {
  try {
    if (isMemoryTool(call.name)) {
      const offered = offeredMemoryTools(binding);
      // A model must not reach a tool the application did not offer: a hallucinated or injected memory_forget would
      // otherwise erase memory the application never let it touch.
      if (!offered.includes(call.name)) {
        const hint = call.name === 'memory_forget' ? ' (forget is off unless includeForget is set)' : '';
        return {
          text: `tool "${call.name}" was not offered to this agent${hint}; offered: ${offered.join(', ')}`,
          isError: true,
        };
      }
      try {
        const text = await handleMemoryTool(binding.brain, call.name, call.input, {
          bankId: binding.bankId,
          ...(binding.context ? { context: binding.context } : {}),
        });
        return { text, isError: false };
      } catch (error) {
        // The result goes to the platform: a store's or provider's message (a path, a host, a memory) must not.
        return { text: toolFailureText(error), isError: true };
      }
    }
    if (binding.nonMemoryToolHandler) {
      const signal = binding.signal ?? new AbortController().signal;
      const text = await binding.nonMemoryToolHandler(call.name, call.input ?? {}, call, signal);
      if (typeof text !== 'string') {
        return { text: `tool "${call.name}" returned ${typeof text}, not a string result`, isError: true };
      }
      return { text, isError: false };
    }
    return {
      text: `no handler exists for tool "${call.name}" in this application`,
      isError: true,
    };
  } catch (error) {
    return { text: error instanceof Error ? error.message : String(error), isError: true };
  }
}

// The names memoryToolDefinitions gives for these options, so the two can never disagree.
function offeredMemoryTools({ includeReflect, includeForget }: CustomToolBinding): MemoryToolName[] {
  return memoryToolDefinitions({
    ...(includeReflect === undefined ? {} : { includeReflect }),
    ...(includeForget === undefined ? {} : { includeForget }),
  }).map((definition) => definition.name);
}
