import type Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsAgentCustomToolUseEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import {
  type AstrocyteContext,
  AstrocyteError,
  abortableSleep,
  type Brain,
  isMemoryTool,
  isPermanentClientError,
} from '@astrocyte/core';
import { executeCustomTool } from '@astrocyte/managed-agents';

type ToolUse = BetaManagedAgentsAgentCustomToolUseEvent;

/** How `attachToSession` is bound and what it reports. */
export interface AttachOptions {
  sessionId: string;
  /** The bank every memory tool call reads and writes. */
  bankId: string;
  /** Stops attaching; the promise then resolves with `ended: 'stopped'`. */
  signal?: AbortSignal;
  context?: AstrocyteContext;
  /** Sees each memory tool call once it is answered. */
  onAnswer?: (call: ToolUse, result: { text: string; isError: boolean }) => void;
  /** Sees custom tool calls left for someone else to answer (they are not memory tools). */
  onForeignTool?: (call: ToolUse) => void;
  /** Sees a result that could not be sent (the session may have stopped waiting for it). */
  onSendFailed?: (call: ToolUse, error: unknown) => void;
  /** Called each time the stream is open and the history read: from then on no call can be missed. */
  onAttached?: () => void;
  /** Sees the stream being reattached after a drop. */
  onReconnect?: (attempt: number) => void;
}

/** Why attaching ended and how many calls it answered. */
export interface AttachResult {
  ended: 'terminated' | 'deleted' | 'stopped';
  answered: number;
}

const RECONNECT_START_MS = 100;
const RECONNECT_CAP_MS = 5_000;
// About half a minute of failed attempts in a row: the API is unreachable, not merely dropping a stream.
const MAX_FAILED_ATTEMPTS = 10;

/**
 * Answers the memory tool calls of an existing Managed Agents session until it is terminated or deleted, or
 * `signal` aborts: memory for an agent whose own loop has no memory code. It sends no messages and leaves every
 * other custom tool to whoever else listens. Each call is answered once, across reconnects, including calls made
 * before it attached (read from the session's history, since the stream never replays).
 */
export async function attachToSession(client: Anthropic, brain: Brain, options: AttachOptions): Promise<AttachResult> {
  const { sessionId, signal } = options;
  const answered = new Set<string>();
  const claimed = new Map<string, Promise<void>>();
  const seen = new Set<string>();
  let count = 0;
  const binding = {
    brain,
    bankId: options.bankId,
    context: options.context ?? { actor: `managed-agents:${sessionId}` },
  };

  const answer = (call: ToolUse): void => {
    if (!isMemoryTool(call.name)) {
      options.onForeignTool?.(call);
      return;
    }
    if (answered.has(call.id) || claimed.has(call.id)) return;
    const work = (async () => {
      const outcome = await executeCustomTool(call, binding);
      try {
        await client.beta.sessions.events.send(
          sessionId,
          {
            events: [
              {
                type: 'user.custom_tool_result',
                custom_tool_use_id: call.id,
                content: [{ type: 'text', text: outcome.text || '(no output)' }],
                is_error: outcome.isError,
              },
            ],
          },
          signal ? { signal } : {},
        );
      } catch (error) {
        // Unclaimed, the call is answered again by the next catch-up if the session still waits for it.
        claimed.delete(call.id);
        if (!signal?.aborted) options.onSendFailed?.(call, error);
        return;
      }
      answered.add(call.id);
      count += 1;
      options.onAnswer?.(call, outcome);
    })();
    claimed.set(call.id, work);
  };

  const ended = (kind: AttachResult['ended']): AttachResult => ({ ended: kind, answered: count });

  // Replays the history: the calls still unanswered get answered; returns the end when the session is gone.
  const catchUp = async (): Promise<AttachResult | null> => {
    const pending = new Map<string, ToolUse>();
    for await (const event of client.beta.sessions.events.list(sessionId, { order: 'asc' }, signal ? { signal } : {})) {
      if (event.type === 'agent.custom_tool_use' && isMemoryTool(event.name)) pending.set(event.id, event);
      else if (event.type === 'user.custom_tool_result') {
        pending.delete(event.custom_tool_use_id);
        answered.add(event.custom_tool_use_id);
      } else if (event.type === 'session.status_terminated') return ended('terminated');
      else if (event.type === 'session.deleted') return ended('deleted');
    }
    for (const call of pending.values()) answer(call);
    return null;
  };

  let attempt = 0;
  for (;;) {
    if (signal?.aborted) return settle(claimed, ended('stopped'));
    let stream: Awaited<ReturnType<typeof client.beta.sessions.events.stream>> | undefined;
    try {
      // Attach first, then read the history: nothing emitted in between can be missed.
      stream = await client.beta.sessions.events.stream(sessionId, {}, signal ? { signal } : {});
      const over = await catchUp();
      if (over) {
        stream.controller.abort();
        return settle(claimed, over);
      }
      attempt = 0;
      options.onAttached?.();
      for await (const event of stream) {
        const id = (event as { id?: string }).id;
        if (id !== undefined) {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        if (event.type === 'agent.custom_tool_use') answer(event);
        else if (event.type === 'user.custom_tool_result') answered.add(event.custom_tool_use_id);
        else if (event.type === 'session.status_terminated' || event.type === 'session.deleted') {
          stream.controller.abort();
          return settle(claimed, ended(event.type === 'session.deleted' ? 'deleted' : 'terminated'));
        }
      }
    } catch (error) {
      stream?.controller.abort();
      if (signal?.aborted) return settle(claimed, ended('stopped'));
      if (AstrocyteError.isInstance(error) || isPermanentClientError(error) || attempt + 1 >= MAX_FAILED_ATTEMPTS) {
        await Promise.allSettled(claimed.values());
        throw error;
      }
    }
    // The stream ended or dropped (`TypeError: terminated`) while the session lives on: reattach.
    attempt += 1;
    options.onReconnect?.(attempt);
    // A stop cuts the wait short; the next pass sees the aborted signal and ends.
    await abortableSleep(Math.min(RECONNECT_START_MS * 2 ** (attempt - 1), RECONNECT_CAP_MS), signal).catch(
      () => undefined,
    );
  }
}

async function settle(claimed: Map<string, Promise<void>>, result: AttachResult): Promise<AttachResult> {
  await Promise.allSettled(claimed.values());
  return result;
}
