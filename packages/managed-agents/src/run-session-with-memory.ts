import type Anthropic from '@anthropic-ai/sdk';
import type { Brain } from '@astrocyte/core';
import { parseRunSessionOptions, type RunSessionOptions } from './session-options.js';
import { SessionTurn, type SessionTurnResult } from './session-turn.js';

/**
 * Runs one turn of a Managed Agents session with Astrocyte memory: sends `prompt`, answers every custom tool
 * call (memory tools through the brain, bound to `bankId`) and returns the agent's text for the turn.
 * Rejects with a SessionError subclass when the turn fails, times out, is aborted, or the session ends.
 */
export async function runSessionWithMemory(
  client: Anthropic,
  brain: Brain,
  options: RunSessionOptions,
): Promise<string> {
  return (await runSessionTurn(client, brain, options)).text;
}

/** Like `runSessionWithMemory`, but returns the whole turn: messages, stop reason, tool calls and reconnects. */
export async function runSessionTurn(
  client: Anthropic,
  brain: Brain,
  options: RunSessionOptions,
): Promise<SessionTurnResult> {
  return new SessionTurn(client, brain, parseRunSessionOptions(options)).run();
}
