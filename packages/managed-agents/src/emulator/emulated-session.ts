import type { ServerResponse } from 'node:http';
import { ScriptedTurn } from './agent-turn.js';
import { invalidRequest, newId } from './emulator-ids.js';
import { type ScriptedAgent, type ToolResult, TurnInterrupted, TurnStopped } from './scripted-agent.js';

/** An event as the emulator stores and serves it. */
export interface EmulatedEvent {
  id: string;
  type: string;
  processed_at: string;
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

interface PendingCall {
  name: string;
  batch: Set<string>;
  threadId: string | null;
  agentName: string | null;
  resolve: (result: ToolResult) => void;
  reject: (error: Error) => void;
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
  private readonly queue: string[] = [];
  private readonly pending = new Map<string, PendingCall>();
  private readonly answered = new Set<string>();
  private turn: AbortController | undefined;
  private lastTimestamp = 0;

  constructor(
    readonly id: string,
    readonly agent: EmulatedAgent,
    readonly environmentId: string,
    readonly title: string | null,
    readonly metadata: Record<string, string>,
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
      agent: { ...this.agent, type: 'agent' },
      environment_id: this.environmentId,
      status: this.status,
      title: this.title,
      metadata: this.metadata,
      archived_at: null,
      budget: null,
      outcome_evaluations: [],
      resources: [],
      stats: {},
      usage: {},
      vault_ids: [],
      created_at: this.createdAt,
      updated_at: this.updatedAt,
    };
  }

  /** Appends an event to the log and writes it to every open stream. */
  emit(event: { type: string; [field: string]: unknown }): EmulatedEvent {
    // Strictly increasing timestamps keep `processed_at` ordering equal to log order.
    const now = Math.max(Date.now(), this.lastTimestamp + 1);
    this.lastTimestamp = now;
    const stored: EmulatedEvent = { ...event, id: newId('sevt'), processed_at: new Date(now).toISOString() };
    this.log.push(stored);
    this.updatedAt = stored.processed_at;
    const frame = `event: ${stored.type}\ndata: ${JSON.stringify(stored)}\n\n`;
    for (const stream of this.streams) stream.write(frame);
    this.hooks.afterEmit(this, stored);
    return stored;
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
    for (const event of events) this.check(event);
    return events.map((event) => this.apply(event as { type: string; [field: string]: unknown }));
  }

  private check(event: unknown): void {
    const type = (event as { type?: unknown } | null)?.type;
    if (type === 'user.message') {
      const content = (event as { content?: unknown }).content;
      if (!Array.isArray(content) || content.length === 0)
        throw invalidRequest('user.message: content must be a non-empty array');
      return;
    }
    if (type === 'user.interrupt') return;
    if (type === 'user.custom_tool_result') {
      const id = (event as { custom_tool_use_id?: unknown }).custom_tool_use_id;
      if (typeof id !== 'string' || !this.pending.has(id)) {
        const reason = this.answered.has(String(id))
          ? `custom_tool_use_id ${String(id)} was already answered`
          : `custom_tool_use_id ${String(id)} is not awaiting a result`;
        this.hooks.onRejected({ sessionId: this.id, event, reason });
        throw invalidRequest(reason);
      }
      return;
    }
    throw invalidRequest(`event type ${JSON.stringify(type)} is not supported by the emulator`);
  }

  private apply(event: { type: string; [field: string]: unknown }): EmulatedEvent {
    const stored = this.emit(event);
    if (event.type === 'user.message') {
      const text = (event.content as Array<{ type?: string; text?: string }>)
        .map((block) => (block.type === 'text' ? (block.text ?? '') : ''))
        .join('');
      this.queue.push(text);
      if (!this.turn) void this.nextTurn();
    } else if (event.type === 'user.custom_tool_result') {
      this.resolveCall(stored);
    } else if (event.type === 'user.interrupt') {
      this.queue.length = 0;
      this.turn?.abort(new TurnInterrupted());
    }
    return stored;
  }

  private async nextTurn(): Promise<void> {
    const message = this.queue.shift();
    if (message === undefined || this.deleted || this.status === 'terminated') return;
    const controller = new AbortController();
    this.turn = controller;
    // Calls the script is waiting on must fail at once, or an interrupted script would wait forever.
    controller.signal.addEventListener('abort', () => this.rejectPending(controller.signal.reason), { once: true });
    const turnIndex = this.turnCount++;
    this.status = 'running';
    this.emit({ type: 'session.status_running' });
    const tools = this.agent.tools.map((tool) => tool.name ?? tool.type);
    try {
      await this.script(new ScriptedTurn(this, message, turnIndex, tools, controller.signal));
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
      this.rejectPending(new TurnInterrupted());
      this.turn = undefined;
    }
    // The script may have changed the status while it ran.
    if ((this.status as SessionStatus) === 'idle' && this.queue.length > 0) void this.nextTurn();
  }

  private rejectPending(reason: unknown): void {
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(reason instanceof Error ? reason : new TurnInterrupted());
    }
  }

  /** Emits `session.status_idle` (unless the session is gone) and marks the session idle. */
  idle(stopReason: { type: string; event_ids?: string[] }): void {
    if (this.deleted || this.status === 'terminated') return;
    this.status = 'idle';
    this.emit({ type: 'session.status_idle', stop_reason: stopReason, stop_details: null });
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

  /** Emits a batch of custom tool calls and the idle that names them; resolves with every result. */
  callTools(
    calls: Array<{ name: string; input?: Record<string, unknown> }>,
    signal: AbortSignal,
    thread: { threadId: string; agentName: string } | null,
  ): Promise<ToolResult[]> {
    if (signal.aborted) return Promise.reject(new TurnInterrupted());
    if (calls.length === 0) return Promise.resolve([]);
    const events = calls.map((call) =>
      this.emit({
        type: 'agent.custom_tool_use',
        name: call.name,
        input: call.input ?? {},
        ...(thread ? { session_thread_id: thread.threadId } : {}),
      }),
    );
    const batch = new Set(events.map((event) => event.id));
    const results = events.map(
      (event) =>
        new Promise<ToolResult>((resolve, reject) => {
          this.pending.set(event.id, {
            name: String(event.name),
            batch,
            threadId: thread?.threadId ?? null,
            agentName: thread?.agentName ?? null,
            resolve,
            reject,
          });
        }),
    );
    this.waiting(batch, thread);
    return Promise.all(results);
  }

  private waiting(batch: Set<string>, thread: { threadId: string; agentName: string } | null): void {
    const stopReason = { type: 'requires_action', event_ids: [...batch] };
    if (thread) {
      // A sub-agent waiting on a tool leaves the primary thread running; only the thread goes idle.
      this.emit({
        type: 'session.thread_status_idle',
        session_thread_id: thread.threadId,
        agent_name: thread.agentName,
        stop_reason: stopReason,
        stop_details: null,
      });
    } else {
      this.idle(stopReason);
    }
  }

  private resolveCall(resultEvent: EmulatedEvent): void {
    const id = resultEvent.custom_tool_use_id as string;
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    this.answered.add(id);
    call.batch.delete(id);
    const content = Array.isArray(resultEvent.content)
      ? (resultEvent.content as Array<{ type?: string; text?: string }>)
      : [];
    const text = content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
    const thread = call.threadId ? { threadId: call.threadId, agentName: call.agentName ?? 'subagent' } : null;
    if (call.batch.size > 0) {
      // The platform re-emits the idle with the ids still unanswered.
      this.waiting(call.batch, thread);
    } else if (thread) {
      this.emit({
        type: 'session.thread_status_running',
        session_thread_id: thread.threadId,
        agent_name: thread.agentName,
      });
    } else {
      this.status = 'running';
      this.emit({ type: 'session.status_running' });
    }
    call.resolve({
      id,
      name: call.name,
      text,
      isError: resultEvent.is_error === true,
      json<T>() {
        return JSON.parse(text) as T;
      },
    });
  }

  /** Ends everything this session holds open (the emulator is closing). */
  shutdown(): void {
    this.queue.length = 0;
    this.turn?.abort(new TurnInterrupted());
    this.closeStreams();
  }
}
