import type { ServerResponse } from 'node:http';
import { ScriptedTurn } from './agent-turn.js';
import { invalidRequest, newId } from './emulator-ids.js';
import type { MemoryMount } from './memory-mounts.js';
import {
  type ScriptedAgent,
  type ToolConfirmationOutcome,
  type ToolResult,
  TurnInterrupted,
  TurnStopped,
} from './scripted-agent.js';
import { SessionToolCalls, type SessionToolRequest, type ThreadRef } from './session-tool-calls.js';

/** An event as the emulator stores and serves it. */
export interface EmulatedEvent {
  id: string;
  type: string;
  /** Null while a queued `user.message` waits behind the running turn, as on the platform. */
  processed_at: string | null;
  [field: string]: unknown;
}

/** The agent a session runs, as `client.beta.agents.create` stored it. */
export interface EmulatedAgent {
  id: string;
  name: string;
  version: number;
  tools: Array<{ type: string; name?: string; [field: string]: unknown }>;
  [field: string]: unknown;
}

/** A result the emulator refused, kept so tests can prove a client never answered a call twice. */
export interface RejectedEvent {
  sessionId: string;
  event: unknown;
  reason: string;
}

/** What a session was created with and returns as given (title, metadata, resources, vaults, budget). */
export interface SessionSettings {
  title: string | null;
  metadata: Record<string, string>;
  resources: Array<Record<string, unknown>>;
  /** The memory stores among the resources, mounted for the agent's file tools. */
  memoryMounts: MemoryMount[];
  vaultIds: string[];
  budget: Record<string, unknown> | null;
}

/** Hooks the server gives each session. */
export interface SessionHooks {
  afterEmit(session: EmulatedSession, event: EmulatedEvent): void;
  onRejected(rejected: RejectedEvent): void;
  onAgentError(error: unknown): void;
  onStreamClosed(): void;
}

type SessionStatus = 'idle' | 'running' | 'rescheduling' | 'terminated';

/** One emulated session: its event log, open streams, status and the scripted agent's turns. */
export class EmulatedSession {
  readonly log: EmulatedEvent[] = [];
  readonly createdAt = new Date().toISOString();
  updatedAt = this.createdAt;
  status: SessionStatus = 'idle';
  deleted = false;
  turnCount = 0;
  private readonly streams = new Set<ServerResponse>();
  private readonly queue: Array<{ text: string; event: EmulatedEvent }> = [];
  private readonly calls = new SessionToolCalls(this);
  private turn: AbortController | undefined;
  private lastTimestamp = 0;

  constructor(
    readonly id: string,
    readonly agent: EmulatedAgent,
    readonly environmentId: string,
    readonly settings: SessionSettings,
    private readonly script: ScriptedAgent,
    private readonly hooks: SessionHooks,
  ) {}

  /** The number of event streams attached now. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** The session as `client.beta.sessions.retrieve` returns it. */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      type: 'session',
      agent: sessionAgent(this.agent),
      environment_id: this.environmentId,
      status: this.status,
      title: this.settings.title,
      metadata: this.settings.metadata,
      archived_at: null,
      budget: this.settings.budget,
      outcome_evaluations: [],
      resources: this.settings.resources,
      stats: {},
      usage: {},
      vault_ids: this.settings.vaultIds,
      created_at: this.createdAt,
      updated_at: this.updatedAt,
    };
  }

  /** Appends an event to the log and writes it to every open stream; a `queued` event is not processed yet. */
  emit(event: { type: string; [field: string]: unknown }, queued = false): EmulatedEvent {
    const now = this.timestamp();
    const stored: EmulatedEvent = { ...event, id: newId('sevt'), processed_at: queued ? null : now };
    this.log.push(stored);
    this.updatedAt = now;
    const frame = `event: ${stored.type}\ndata: ${JSON.stringify(stored)}\n\n`;
    for (const stream of this.streams) stream.write(frame);
    this.hooks.afterEmit(this, stored);
    return stored;
  }

  /** Strictly increasing timestamps keep `processed_at` ordering equal to the order of processing. */
  private timestamp(): string {
    const now = Math.max(Date.now(), this.lastTimestamp + 1);
    this.lastTimestamp = now;
    return new Date(now).toISOString();
  }

  /** Records a client event the session refused. */
  rejected(event: unknown, reason: string): void {
    this.hooks.onRejected({ sessionId: this.id, event, reason });
  }

  /** Attaches an SSE response; it receives only events emitted from now on, as the real stream does. */
  attach(response: ServerResponse): void {
    this.streams.add(response);
    response.on('close', () => {
      if (this.streams.delete(response)) this.hooks.onStreamClosed();
    });
  }

  /** Cuts every open stream mid-response, after what was already written (clients see `TypeError: terminated`). */
  dropStreams(): void {
    for (const stream of this.streams) {
      // Detach first: events emitted from now on go to the log only, as they would on the real service.
      this.streams.delete(stream);
      this.hooks.onStreamClosed();
      stream.socket?.end();
    }
  }

  /** Ends every open stream cleanly. */
  closeStreams(): void {
    for (const stream of this.streams) {
      this.streams.delete(stream);
      this.hooks.onStreamClosed();
      stream.end();
    }
  }

  /** Validates then applies events a client sent; nothing is recorded when any event is refused. */
  receive(events: unknown): EmulatedEvent[] {
    if (this.deleted) throw invalidRequest(`session ${this.id} was deleted`);
    if (this.status === 'terminated') throw invalidRequest(`session ${this.id} is terminated and accepts no input`);
    if (!Array.isArray(events) || events.length === 0) throw invalidRequest('events: must be a non-empty array');
    const answering = new Set<unknown>();
    for (const event of events) this.check(event, answering);
    return events.map((event) => this.apply(event as { type: string; [field: string]: unknown }));
  }

  private check(event: unknown, answering: Set<unknown>): void {
    const type = (event as { type?: unknown } | null)?.type;
    if (type === 'user.message') {
      const content = (event as { content?: unknown }).content;
      if (!Array.isArray(content) || content.length === 0)
        throw invalidRequest('user.message: content must be a non-empty array');
      return;
    }
    if (type === 'user.interrupt') return;
    if (type === 'user.custom_tool_result' || type === 'user.tool_confirmation') {
      this.calls.check(event as { type: string }, answering);
      return;
    }
    throw invalidRequest(`event type ${JSON.stringify(type)} is not supported by the emulator`);
  }

  private apply(event: { type: string; [field: string]: unknown }): EmulatedEvent {
    if (event.type === 'user.message') {
      // A message sent while a turn runs waits in the queue, unprocessed, until its own turn starts.
      const stored = this.emit(event, this.turn !== undefined);
      const text = (event.content as Array<{ type?: string; text?: string }>)
        .map((block) => (block.type === 'text' ? (block.text ?? '') : ''))
        .join('');
      this.queue.push({ text, event: stored });
      if (!this.turn) void this.nextTurn();
      return stored;
    }
    if (event.type === 'user.interrupt') {
      const stored = this.emit(event);
      this.queue.length = 0;
      this.turn?.abort(new TurnInterrupted());
      return stored;
    }
    // A tool answer: the server records which sub-agent thread it was routed to.
    const threadId = this.calls.threadOf(event.custom_tool_use_id ?? event.tool_use_id);
    const stored = this.emit(threadId ? { ...event, session_thread_id: threadId } : event);
    this.calls.settle(stored);
    return stored;
  }

  private async nextTurn(): Promise<void> {
    const next = this.queue.shift();
    if (next === undefined || this.deleted || this.status === 'terminated') return;
    next.event.processed_at ??= this.timestamp();
    const controller = new AbortController();
    this.turn = controller;
    // Calls the script is waiting on must fail at once, or an interrupted script would wait forever.
    controller.signal.addEventListener('abort', () => this.calls.rejectAll(controller.signal.reason), { once: true });
    const turnIndex = this.turnCount++;
    this.status = 'running';
    this.emit({ type: 'session.status_running' });
    const tools = this.agent.tools.map((tool) => tool.name ?? tool.type);
    try {
      await this.script(new ScriptedTurn(this, next.text, turnIndex, tools, controller.signal));
      this.idle({ type: 'end_turn' });
    } catch (error) {
      if (error instanceof TurnStopped) {
        // What ends the turn was already emitted.
      } else if (controller.signal.aborted) {
        this.idle({ type: 'end_turn' });
      } else {
        this.hooks.onAgentError(error);
        this.emit({
          type: 'session.error',
          error: {
            type: 'unknown_error',
            message: `scripted agent failed: ${error instanceof Error ? error.message : String(error)}`,
            retry_status: { type: 'exhausted' },
          },
        });
        this.idle({ type: 'retries_exhausted' });
      }
    } finally {
      this.calls.rejectAll(new TurnInterrupted());
      this.turn = undefined;
    }
    // The script may have changed the status while it ran.
    if ((this.status as SessionStatus) === 'idle' && this.queue.length > 0) void this.nextTurn();
  }

  /** Emits `session.status_idle` (unless the session is gone) and marks the session idle. */
  idle(stopReason: { type: string; event_ids?: string[] }, stopDetails: Record<string, unknown> | null = null): void {
    if (this.deleted || this.status === 'terminated') return;
    this.status = 'idle';
    this.emit({ type: 'session.status_idle', stop_reason: stopReason, stop_details: stopDetails });
  }

  /** Marks the session terminated (`session.status_terminated`) and aborts the turn. */
  terminate(): void {
    if (this.deleted || this.status === 'terminated') return;
    this.status = 'terminated';
    this.emit({ type: 'session.status_terminated' });
    this.turn?.abort(new TurnStopped('terminated'));
  }

  /** Marks the session deleted (`session.deleted`), closes its streams and aborts the turn. */
  markDeleted(): void {
    if (this.deleted) return;
    this.emit({ type: 'session.deleted' });
    this.deleted = true;
    this.queue.length = 0;
    this.closeStreams();
    this.turn?.abort(new TurnStopped('deleted'));
  }

  /** Emits a batch of tool calls and the idle that names the waiting ones; resolves with every answer. */
  runBatch(
    requests: SessionToolRequest[],
    signal: AbortSignal,
    thread: ThreadRef | null,
  ): Promise<Array<ToolResult | ToolConfirmationOutcome>> {
    return this.calls.run(requests, signal, thread);
  }

  /** Terminates a sub-agent thread (`session.thread_status_terminated`). */
  terminateThread(thread: ThreadRef): void {
    this.calls.terminateThread(thread);
  }

  /** Ends everything this session holds open (the emulator is closing). */
  shutdown(): void {
    this.queue.length = 0;
    this.turn?.abort(new TurnInterrupted());
    this.closeStreams();
  }
}

/** The session's snapshot of its agent (the SDK's `BetaManagedAgentsSessionAgent`: no metadata nor timestamps). */
function sessionAgent(agent: EmulatedAgent): Record<string, unknown> {
  const { id, description, execution_identity, mcp_servers, model, multiagent, name, skills, system, tools, version } =
    agent;
  return {
    type: 'agent',
    id,
    description,
    execution_identity,
    mcp_servers,
    model,
    multiagent,
    name,
    skills,
    system,
    tools,
    version,
  };
}
