import type { EmulatedSession } from './emulated-session.js';
import { newId } from './emulator-ids.js';
import { MEMORY_MOUNT_ROOT, MemoryFiles } from './memory-mounts.js';
import {
  type AgentTurn,
  type BatchRequest,
  type FileToolOptions,
  type FileToolResult,
  type MemoryMountInfo,
  type RefusalOptions,
  type SessionErrorFields,
  type SessionErrorType,
  type SubAgentThread,
  type ToolCallRequest,
  type ToolConfirmationOutcome,
  type ToolResult,
  type ToolUseOptions,
  TurnInterrupted,
  TurnStopped,
} from './scripted-agent.js';
import { sessionErrorObject } from './session-errors.js';
import type { PlatformWork, ToolOutput } from './session-tool-calls.js';

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
    return this.batch(calls.map((call) => ({ kind: 'custom', ...call }))) as Promise<ToolResult[]>;
  }

  async useTool(
    name: string,
    input: Record<string, unknown> = {},
    options: ToolUseOptions = {},
  ): Promise<ToolConfirmationOutcome> {
    const [outcome] = await this.batch([{ kind: 'builtin', name, input, ...options }]);
    return outcome as ToolConfirmationOutcome;
  }

  batch(requests: BatchRequest[]): Promise<Array<ToolResult | ToolConfirmationOutcome>> {
    this.ensureOpen();
    return this.session.runBatch(requests, this.signal, null);
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
      const requests = calls.map((call) => ({ kind: 'custom' as const, ...call }));
      return this.session.runBatch(requests, this.signal, thread) as Promise<ToolResult[]>;
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
      terminate: () => this.session.terminateThread(thread),
    };
  }

  get memoryMounts(): MemoryMountInfo[] {
    return this.session.settings.memoryMounts.map((mount) => ({
      memoryStoreId: mount.store.id,
      name: mount.name,
      mountPath: mount.mountPath,
      access: mount.access,
      instructions: mount.instructions,
    }));
  }

  readMemoryFile(path: string, options: FileToolOptions = {}): Promise<FileToolResult> {
    return this.fileTool('read', { file_path: path }, options, (files) => files.read(path));
  }

  writeMemoryFile(path: string, content: string, options: FileToolOptions = {}): Promise<FileToolResult> {
    return this.fileTool('write', { file_path: path, content }, options, (files) => files.write(path, content));
  }

  listMemoryFiles(directory = MEMORY_MOUNT_ROOT, options: FileToolOptions = {}): Promise<FileToolResult> {
    return this.fileTool('glob', { pattern: '**/*', path: directory }, options, (files) => files.list(directory));
  }

  deleteMemoryFile(path: string, options: FileToolOptions = {}): Promise<FileToolResult> {
    const quoted = `'${path.replaceAll("'", "'\\''")}'`;
    return this.fileTool('bash', { command: `rm ${quoted}` }, options, (files) => files.remove(path));
  }

  /** Uses a built-in file tool whose work runs on the mounted stores when the platform runs it (not if denied). */
  private async fileTool(
    name: string,
    input: Record<string, unknown>,
    options: FileToolOptions,
    perform: (files: MemoryFiles) => ToolOutput,
  ): Promise<FileToolResult> {
    this.ensureOpen();
    const files = new MemoryFiles(this.session.settings.memoryMounts, this.session.id);
    const work: PlatformWork = { perform: () => perform(files) };
    const request = { kind: 'builtin' as const, name, input, ...options, work };
    const [outcome] = (await this.session.runBatch([request], this.signal, null)) as ToolConfirmationOutcome[];
    // A use the user denied has no result event: the script sees the deny message.
    const denied = (outcome?.result === 'deny' ? outcome.denyMessage : null) ?? `${name} was denied by the user`;
    return { toolUseId: work.useId as string, ...(work.output ?? { text: denied, isError: true }) };
  }

  emit(event: { type: string; [field: string]: unknown }): void {
    this.ensureOpen();
    this.session.emit(event);
  }

  dropStream(): void {
    this.session.dropStreams();
  }

  sessionError(type: SessionErrorType, retryStatus: 'retrying', message?: string, fields?: SessionErrorFields): void;
  sessionError(
    type: SessionErrorType,
    retryStatus: 'exhausted' | 'terminal',
    message?: string,
    fields?: SessionErrorFields,
  ): never;
  sessionError(
    type: SessionErrorType,
    retryStatus: 'retrying' | 'exhausted' | 'terminal',
    message?: string,
    fields?: SessionErrorFields,
  ): void {
    this.ensureOpen();
    this.session.emit({ type: 'session.error', error: sessionErrorObject(type, retryStatus, message, fields) });
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

  refuse(options: RefusalOptions = {}): never {
    this.ensureOpen();
    this.session.idle(
      { type: 'refusal' },
      { type: 'refusal', category: options.category ?? null, explanation: options.explanation ?? null },
    );
    throw new TurnStopped('refusal');
  }

  exhaustBudget(): never {
    this.ensureOpen();
    this.session.idle({ type: 'budget_reached' });
    throw new TurnStopped('budget_reached');
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
