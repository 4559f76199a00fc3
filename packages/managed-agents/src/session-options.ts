import type { BetaManagedAgentsAgentCustomToolUseEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import {
  type AstrocyteContext,
  astrocyteContextSchema,
  checkBankId,
  ValidationError,
  zodProblem,
} from '@astrocyte/core';
import { z } from 'zod';
import type { SessionEvent } from './session-events.js';
import type { ToolConfirmationHandler } from './tool-confirmation.js';

/**
 * Runs a custom tool that is not a memory tool and returns the text the model reads.
 * Throwing sends the error message back with `is_error: true`. `signal` aborts when the turn ends before the
 * handler does (its time-out, the caller's abort, a failure): pass it on to what may hang, a fetch say.
 */
export type NonMemoryToolHandler = (
  toolName: string,
  toolInput: Record<string, unknown>,
  event: BetaManagedAgentsAgentCustomToolUseEvent,
  signal: AbortSignal,
) => string | Promise<string>;

/** What one turn of `runSessionWithMemory` needs. */
export interface RunSessionOptions {
  /** The Managed Agents session (`sesn_...`) to talk to. */
  sessionId: string;
  /** The user's message for this turn. */
  prompt: string;
  /** The memory bank the tools read and write; chosen by the application, never by the model. */
  bankId: string;
  /**
   * The memory tools the agent was created with: pass what you passed to `memoryToolDefinitions` (default: reflect
   * on, forget off). A call to a memory tool not offered is answered with `is_error` and changes nothing.
   */
  includeReflect?: boolean;
  includeForget?: boolean;
  /** Runs custom tools other than the memory tools; without it they answer with an error result. */
  nonMemoryToolHandler?: NonMemoryToolHandler;
  /**
   * The custom tool names `nonMemoryToolHandler` answers; without it the handler gets every name that is not a
   * memory tool. Other names are unowned (see `answerUnownedTools`).
   */
  handlerTools?: string[];
  /**
   * What happens to a call nobody here answers: a custom tool that is neither a memory tool nor the handler's, or
   * a tool call that asks for permission when there is no `onToolConfirmation`. `error` (default): the custom tool
   * gets an `is_error` result, and the confirmation ends the turn with ToolConfirmationRequiredError. `leave`: both
   * are left for another client of the session, as the SDK's session tool runner does.
   */
  answerUnownedTools?: 'error' | 'leave';
  /**
   * Allows or denies a built-in or MCP tool call whose permission policy asks the client (`always_ask`);
   * the verdict is sent as `user.tool_confirmation`. Throwing or answering anything else denies.
   */
  onToolConfirmation?: ToolConfirmationHandler;
  /**
   * After a turn that ends with `end_turn`, retain the user's message and the agent's reply with
   * `brain.retainConversation` (speakers `user` and `agent`, episode = `sessionId`), so that memory holds what was
   * said without the model calling `memory_retain`. A turn that called `memory_forget` is not retained.
   */
  retainTranscript?: boolean;
  /** Wall-clock bound for the turn (default 120); on expiry the runner interrupts the session. */
  timeoutSeconds?: number;
  /**
   * Passed to every memory operation: the actor and request id, and the `principal` (and `onBehalfOf`) checked
   * against the brain's grants when access is configured. A tool call the grants deny is answered with `is_error`.
   */
  context?: AstrocyteContext;
  /** Aborts the turn; the runner interrupts the session and rejects with SessionAbortedError. */
  signal?: AbortSignal;
  /** Sees every distinct session event of the turn once, in order (for logs and live views). */
  onEvent?: (event: SessionEvent) => void;
}

// Strict: a misspelt `retainTranscripts` would leave the transcript unstored, and `includeForgot` the tool unoffered.
const optionsSchema = z.strictObject({
  sessionId: z.string().min(1, 'must be a non-empty session id'),
  prompt: z.string().min(1, 'must be a non-empty string'),
  bankId: z.string(),
  includeReflect: z.boolean().optional(),
  includeForget: z.boolean().optional(),
  nonMemoryToolHandler: z.function().optional(),
  handlerTools: z.array(z.string().min(1, 'must name tools')).optional(),
  answerUnownedTools: z.enum(['error', 'leave']).default('error'),
  onToolConfirmation: z.function().optional(),
  retainTranscript: z.boolean().default(false),
  timeoutSeconds: z
    .number()
    .positive('must be a positive number of seconds')
    .max(24 * 60 * 60, 'must be at most one day')
    .default(120),
  context: astrocyteContextSchema.optional(),
  signal: z.instanceof(AbortSignal).optional(),
  onEvent: z.function().optional(),
});

/** The options after validation, with defaults applied. */
export type ResolvedRunSessionOptions = RunSessionOptions &
  Required<Pick<RunSessionOptions, 'timeoutSeconds' | 'answerUnownedTools' | 'retainTranscript'>>;

/** Validates the options of `runSessionWithMemory`; a bad field throws ValidationError naming it. */
export function parseRunSessionOptions(options: unknown): ResolvedRunSessionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'runSessionWithMemory (@astrocyte/managed-agents) needs an options object');
  }
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const problem = zodProblem(parsed.error, options, optionsSchema);
    throw new ValidationError(
      problem.field || 'options',
      `${problem.message} (runSessionWithMemory, @astrocyte/managed-agents)`,
    );
  }
  checkBankId(parsed.data.bankId);
  if (parsed.data.handlerTools && !parsed.data.nonMemoryToolHandler) {
    throw new ValidationError(
      'handlerTools',
      'names the tools of nonMemoryToolHandler, which is not given (runSessionWithMemory, @astrocyte/managed-agents)',
    );
  }
  // zod copies objects; hand back the caller's own signal and functions, and the context as parsed (its principals
  // in full form).
  const given = options as RunSessionOptions;
  const { timeoutSeconds, answerUnownedTools, retainTranscript, context } = parsed.data;
  return { ...given, timeoutSeconds, answerUnownedTools, retainTranscript, ...(context ? { context } : {}) };
}
