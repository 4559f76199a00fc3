import type { EmulatedSession } from './emulated-session.js';
import { newId } from './emulator-ids.js';
import {
  type AgentTurn,
  type SessionErrorType,
  type SubAgentThread,
  type ToolCallRequest,
  type ToolResult,
  TurnInterrupted,
  TurnStopped,
} from './scripted-agent.js';

/** The turn handle a scripted agent acts through; every method emits what the real service would. */
export class ScriptedTurn implements AgentTurn {
  constructor(
    private readonly session: EmulatedSession,
    readonly message: string,
    readonly turnIndex: number,
    readonly tools: readonly string[],
    readonly signal: AbortSignal,
  ) {}

  get sessionId(): string {
    return this.session.id;
  }

  say(text: string): void {
    this.ensureOpen();
    this.session.emit({ type: 'agent.message', content: [{ type: 'text', text }] });
  }

  think(): void {
    this.ensureOpen();
    this.session.emit({ type: 'agent.thinking' });
  }

  async callTool(name: string, input: Record<string, unknown> = {}): Promise<ToolResult> {
    const [result] = await this.callTools([{ name, input }]);
    return result as ToolResult;
  }

  callTools(calls: ToolCallRequest[]): Promise<ToolResult[]> {
    this.ensureOpen();
    return this.session.callTools(calls, this.signal, null);
  }

  subAgent(agentName = 'subagent'): SubAgentThread {
    this.ensureOpen();
    const threadId = newId('sthr');
    const thread = { threadId, agentName };
    this.session.emit({
      type: 'session.thread_created',
      session_thread_id: threadId,
      agent_name: agentName,
      workflow_run_id: null,
    });
    this.session.emit({ type: 'session.thread_status_running', session_thread_id: threadId, agent_name: agentName });
    const callTools = (calls: ToolCallRequest[]) => {
      this.ensureOpen();
      return this.session.callTools(calls, this.signal, thread);
    };
    return {
      threadId,
      agentName,
      callTools,
      callTool: async (name, input = {}) => (await callTools([{ name, input }]))[0] as ToolResult,
      finish: () => {
        this.session.emit({
          type: 'session.thread_status_idle',
          session_thread_id: threadId,
          agent_name: agentName,
          stop_reason: { type: 'end_turn' },
          stop_details: null,
        });
      },
    };
  }

  emit(event: { type: string; [field: string]: unknown }): void {
    this.ensureOpen();
    this.session.emit(event);
  }

  dropStream(): void {
    this.session.dropStreams();
  }

  sessionError(type: SessionErrorType, retryStatus: 'retrying', message?: string): void;
  sessionError(type: SessionErrorType, retryStatus: 'exhausted' | 'terminal', message?: string): never;
  sessionError(type: SessionErrorType, retryStatus: 'retrying' | 'exhausted' | 'terminal', message?: string): void {
    this.ensureOpen();
    this.session.emit({
      type: 'session.error',
      error: { type, message: message ?? `emulated ${type}`, retry_status: { type: retryStatus } },
    });
    if (retryStatus === 'retrying') {
      this.session.status = 'rescheduling';
      this.session.emit({ type: 'session.status_rescheduled' });
      this.session.status = 'running';
      this.session.emit({ type: 'session.status_running' });
      return;
    }
    if (retryStatus === 'exhausted') this.session.idle({ type: 'retries_exhausted' });
    else this.session.terminate();
    throw new TurnStopped(`session.error ${retryStatus}`);
  }

  terminate(): never {
    this.session.terminate();
    throw new TurnStopped('terminated');
  }

  deleteSession(): never {
    this.session.markDeleted();
    throw new TurnStopped('deleted');
  }

  stall(): Promise<never> {
    return new Promise((_, reject) => {
      const stop = () => reject(this.signal.reason instanceof Error ? this.signal.reason : new TurnInterrupted());
      if (this.signal.aborted) stop();
      else this.signal.addEventListener('abort', stop, { once: true });
    });
  }

  private ensureOpen(): void {
    if (this.signal.aborted) throw this.signal.reason instanceof Error ? this.signal.reason : new TurnInterrupted();
  }
}
