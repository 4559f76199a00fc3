import type Anthropic from '@anthropic-ai/sdk';
import type { Brain } from '@astrocyte/core';
import { runSessionTurn, TRANSCRIPT_SPEAKERS } from '@astrocyte/managed-agents';
import { MEMORY_TOOLS } from './managed-agent-resources.js';
import { TranscriptBuilder, type TranscriptEvent } from './transcript.js';

/** Which agent the demo talks to: the scripted one on the local emulator, or Claude on the real API. */
export interface AgentMode {
  kind: 'offline' | 'live';
  /** Shown on the page and in the terminal so nobody mistakes the scripted agent for a model. */
  label: string;
}

/** Finds or creates the Managed Agents session that holds the conversation for a bank. */
export type SessionProvider = (bankId: string) => Promise<string>;

/** What one turn produced. */
export interface TurnOutcome {
  text: string;
  stopReason: string;
}

/** The speakers of the exchanges the runner stores as conversation turns (`retainTranscript`). */
export const SPEAKERS = TRANSCRIPT_SPEAKERS;

/**
 * The demo's agent: one Managed Agents session per bank, memory tools answered by `runSessionWithMemory`'s loop.
 * Besides what the agent retains with its tools (facts, shown as tool calls), the runner stores every exchange, the
 * user's message and the agent's reply (`retainTranscript`, through `retainConversation`): one episode per chat
 * session, so that what was said is in memory too, in order, with who said it. Facts stay the agent's decision;
 * the transcript is the app's.
 */
export class ChatAgent {
  // Turns on one session must not overlap: the platform runs one turn at a time per session.
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly mode: AgentMode,
    private readonly client: Anthropic,
    private readonly brain: Brain,
    private readonly sessionFor: SessionProvider,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  /** Runs one turn for `bankId`, reporting each transcript event as it happens. */
  async turn(
    bankId: string,
    message: string,
    emit: (event: TranscriptEvent) => void,
    signal?: AbortSignal,
  ): Promise<TurnOutcome> {
    const previous = this.queues.get(bankId) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.runTurn(bankId, message, emit, signal));
    this.queues.set(bankId, run);
    return run;
  }

  private async runTurn(
    bankId: string,
    message: string,
    emit: (event: TranscriptEvent) => void,
    signal?: AbortSignal,
  ): Promise<TurnOutcome> {
    emit({ type: 'user', text: message });
    const transcript = new TranscriptBuilder(emit);
    const sessionId = await this.sessionFor(bankId);
    const result = await runSessionTurn(this.client, this.brain, {
      sessionId,
      prompt: message,
      bankId,
      ...MEMORY_TOOLS,
      context: { actor: this.mode.kind === 'offline' ? 'demo-scripted-agent' : 'demo-agent' },
      // The runner stores the exchange with retainConversation; a turn that forgot something is not written back.
      retainTranscript: true,
      onEvent: (event) => transcript.accept(event),
      ...(signal ? { signal } : {}),
    });
    transcript.settle(result.toolCalls);
    if (result.transcript) {
      emit({
        type: 'exchange_stored',
        sessionId,
        memoryIds: result.transcript.flatMap((r) => (r.stored && r.memoryId ? [r.memoryId] : [])),
      });
    }
    // The answer stands, but the page must not show this exchange as remembered like the others.
    if (result.transcriptError)
      emit({ type: 'error', message: `this exchange was not stored in memory: ${result.transcriptError.message}` });
    emit({ type: 'done', text: result.text, stopReason: result.stopReason });
    return { text: result.text, stopReason: result.stopReason };
  }

  /** Stops the emulator (offline) and releases the client; the brain belongs to the caller. */
  async close(): Promise<void> {
    await this.onClose();
  }
}
