import type { EmulatedEvent, EmulatedSession } from './emulated-session.js';
import { invalidRequest } from './emulator-ids.js';
import {
  type BatchRequest,
  ThreadTerminated,
  type ToolConfirmationOutcome,
  type ToolResult,
  TurnInterrupted,
} from './scripted-agent.js';

/** A sub-agent thread, as its events name it. */
export interface ThreadRef {
  threadId: string;
  agentName: string;
}

/** The ids one `requires_action` idle waits on; the platform re-emits the idle with the rest after each answer. */
interface Waiting {
  ids: Set<string>;
  thread: ThreadRef | null;
  /** Work the platform does once the session runs again (running the tools the user allowed). */
  afterResume: Array<() => void>;
}

type Answer = ToolResult | ToolConfirmationOutcome;

/** What a built-in tool produced when it ran: its result's text and whether it failed. */
export interface ToolOutput {
  text: string;
  isError: boolean;
}

/**
 * The work the platform does when it runs a built-in tool (the emulator's file tools on mounted memory stores). The
 * session fills in `useId` when it emits the use and `output` with the result it emits; a denied use never runs.
 */
export interface PlatformWork {
  perform(): ToolOutput;
  useId?: string;
  output?: ToolOutput;
}

/** A request as the session runs it: a built-in use may carry the platform's work. */
export type SessionToolRequest = BatchRequest | (Extract<BatchRequest, { kind: 'builtin' }> & { work?: PlatformWork });

interface PendingCall {
  /** `custom` waits for a `user.custom_tool_result`, `confirmation` for a `user.tool_confirmation`. */
  kind: 'custom' | 'confirmation';
  use: EmulatedEvent;
  waiting: Waiting;
  /** For a built-in use: what runs once the user allows it. */
  work?: PlatformWork | undefined;
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
}

/** The `evaluation` (which policy produced the permission) of each permission the SDK knows. */
const POLICY_EVALUATIONS = new Map<string, unknown>([
  ['allow', { type: 'always_allow' }],
  ['ask', { type: 'always_ask' }],
  ['deny', { type: 'auto', evaluated_permission: { type: 'deny', reason_code: 'high_risk' } }],
]);

/**
 * The tool calls of one session that wait on the client: custom tool results and tool confirmations. It checks what
 * clients answer (a call answered twice, or one of a terminated thread, is refused as the platform refuses it) and
 * emits what the platform would around each call.
 */
export class SessionToolCalls {
  private readonly pending = new Map<string, PendingCall>();
  private readonly answered = new Set<string>();
  private readonly terminatedThreads = new Set<string>();
  /** Calls that were pending when their thread terminated: call id -> thread id. */
  private readonly orphaned = new Map<string, string>();

  constructor(private readonly session: EmulatedSession) {}

  /** Emits every request's events and ONE idle naming the ids that wait; resolves with every answer, in order. */
  run(requests: SessionToolRequest[], signal: AbortSignal, thread: ThreadRef | null): Promise<Answer[]> {
    if (signal.aborted) return Promise.reject(new TurnInterrupted());
    if (thread && this.terminatedThreads.has(thread.threadId)) {
      return Promise.reject(new ThreadTerminated(thread.threadId));
    }
    for (const request of requests) {
      if (request?.kind !== 'custom' && request?.kind !== 'builtin')
        throw new TypeError('batch: kind must be custom or builtin');
      if (typeof request.name !== 'string' || request.name.length === 0) throw new TypeError('batch: name is required');
    }
    const waiting: Waiting = { ids: new Set(), thread, afterResume: [] };
    const uses = requests.map((request) => this.session.emit(useEvent(request, thread)));
    const answers = requests.map((request, index) => {
      const use = uses[index] as EmulatedEvent;
      if (request.kind === 'builtin') {
        const permission = request.permission ?? 'allow';
        const work = 'work' in request ? request.work : undefined;
        if (work) work.useId = use.id;
        if (permission === 'allow') {
          this.session.emit(resultEvent(use, false, work));
          return Promise.resolve<Answer>({ result: 'allow' });
        }
        if (permission === 'deny') {
          // The platform does not run it and appends a synthetic error result.
          this.session.emit(resultEvent(use, true, work));
          return Promise.resolve<Answer>({ result: 'deny', denyMessage: null });
        }
      }
      waiting.ids.add(use.id);
      const kind = request.kind === 'custom' ? 'custom' : 'confirmation';
      const work = request.kind === 'builtin' && 'work' in request ? request.work : undefined;
      return new Promise<Answer>((resolve, reject) =>
        this.pending.set(use.id, { kind, use, waiting, work, resolve, reject }),
      );
    });
    if (waiting.ids.size > 0) this.wait(waiting);
    return Promise.all(answers);
  }

  /**
   * Refuses (throws a 400) a client event that answers no waiting call, or one `answering` (the ids answered earlier
   * in the same request, to which it adds) already answers; records the refusal.
   */
  check(event: { type: string; [field: string]: unknown }, answering: Set<unknown>): void {
    const custom = event.type === 'user.custom_tool_result';
    const id = custom ? event.custom_tool_use_id : event.tool_use_id;
    const field = custom ? 'custom_tool_use_id' : 'tool_use_id';
    const call = typeof id === 'string' ? this.pending.get(id) : undefined;
    let reason: string | undefined;
    if (answering.has(id)) {
      reason = `${field} ${String(id)} is answered twice in one request`;
    } else if (typeof id === 'string' && this.orphaned.has(id)) {
      reason = `${field} ${id} belongs to session thread ${this.orphaned.get(id)}, which is terminated and accepts no input`;
    } else if (!call) {
      reason = this.answered.has(String(id))
        ? `${field} ${String(id)} was already answered`
        : `${field} ${String(id)} is not awaiting ${custom ? 'a result' : 'a confirmation'}`;
    } else if (call.kind !== (custom ? 'custom' : 'confirmation')) {
      reason = custom
        ? `${String(id)} is an ${call.use.type}: answer it with user.tool_confirmation`
        : `${String(id)} is an agent.custom_tool_use: answer it with user.custom_tool_result`;
    } else if (!custom && event.result !== 'allow' && event.result !== 'deny') {
      reason = 'user.tool_confirmation: result must be allow or deny';
    } else if (!custom && event.result === 'allow' && event.deny_message != null) {
      reason = 'user.tool_confirmation: deny_message is only allowed when result is deny';
    }
    if (reason === undefined) return void answering.add(id);
    this.session.rejected(event, reason);
    throw invalidRequest(reason);
  }

  /** The thread an answer is routed to (the server sets `session_thread_id` on it), or undefined for the primary. */
  threadOf(id: unknown): string | undefined {
    return typeof id === 'string' ? (this.pending.get(id)?.waiting.thread?.threadId ?? undefined) : undefined;
  }

  /** Applies an accepted answer (stored already): resumes the session once its idle waits on nothing. */
  settle(answer: EmulatedEvent): void {
    const id = (answer.type === 'user.custom_tool_result' ? answer.custom_tool_use_id : answer.tool_use_id) as string;
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    this.answered.add(id);
    const { waiting } = call;
    waiting.ids.delete(id);
    if (call.kind === 'confirmation' && answer.result === 'allow') {
      waiting.afterResume.push(() => this.session.emit(resultEvent(call.use, false, call.work)));
    }
    if (waiting.ids.size > 0) {
      this.wait(waiting);
    } else {
      this.resume(waiting.thread);
      for (const work of waiting.afterResume.splice(0)) work();
    }
    call.resolve(call.kind === 'custom' ? toolResult(call.use, answer) : confirmation(answer));
  }

  /** Terminates a sub-agent thread: its waiting calls reject in the script and their answers are refused from now on. */
  terminateThread(thread: ThreadRef): void {
    if (this.terminatedThreads.has(thread.threadId)) return;
    this.terminatedThreads.add(thread.threadId);
    this.session.emit({
      type: 'session.thread_status_terminated',
      session_thread_id: thread.threadId,
      agent_name: thread.agentName,
    });
    for (const [id, call] of this.pending) {
      if (call.waiting.thread?.threadId !== thread.threadId) continue;
      this.pending.delete(id);
      this.orphaned.set(id, thread.threadId);
      call.reject(new ThreadTerminated(thread.threadId));
    }
  }

  /** Rejects every waiting call (the turn is over). */
  rejectAll(reason: unknown): void {
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(reason instanceof Error ? reason : new TurnInterrupted());
    }
  }

  private wait(waiting: Waiting): void {
    const stopReason = { type: 'requires_action', event_ids: [...waiting.ids] };
    const { thread } = waiting;
    if (thread) {
      // A sub-agent waiting on a tool leaves the primary thread running; only the thread goes idle.
      this.session.emit({
        type: 'session.thread_status_idle',
        session_thread_id: thread.threadId,
        agent_name: thread.agentName,
        stop_reason: stopReason,
        stop_details: null,
      });
    } else {
      this.session.idle(stopReason);
    }
  }

  private resume(thread: ThreadRef | null): void {
    if (thread) {
      this.session.emit({
        type: 'session.thread_status_running',
        session_thread_id: thread.threadId,
        agent_name: thread.agentName,
      });
    } else {
      this.session.status = 'running';
      this.session.emit({ type: 'session.status_running' });
    }
  }
}

function useEvent(request: SessionToolRequest, thread: ThreadRef | null): { type: string; [field: string]: unknown } {
  const base = {
    name: request.name,
    input: request.input ?? {},
    ...(thread ? { session_thread_id: thread.threadId } : {}),
  };
  if (request.kind === 'custom') return { type: 'agent.custom_tool_use', ...base };
  const permission = request.permission ?? 'allow';
  const evaluation = POLICY_EVALUATIONS.get(permission);
  return {
    type: request.mcpServer === undefined ? 'agent.tool_use' : 'agent.mcp_tool_use',
    ...base,
    ...(request.mcpServer === undefined ? {} : { mcp_server_name: request.mcpServer }),
    // An unknown permission is passed on as is, with no evaluation: a value from a newer platform.
    evaluated_permission: permission,
    ...(evaluation ? { evaluation } : {}),
  };
}

/** The result of a tool use; an allowed use with platform work runs it now, and its output is the result. */
function resultEvent(
  use: EmulatedEvent,
  denied: boolean,
  work?: PlatformWork,
): { type: string; [field: string]: unknown } {
  const output = denied
    ? { text: `${String(use.name)} was denied by the permission policy`, isError: true }
    : (work?.perform() ?? { text: `emulated result of ${String(use.name)}`, isError: false });
  if (work) work.output = output;
  const { text, isError } = output;
  const content = [{ type: 'text', text }];
  return use.type === 'agent.mcp_tool_use'
    ? { type: 'agent.mcp_tool_result', mcp_tool_use_id: use.id, content, is_error: isError }
    : { type: 'agent.tool_result', tool_use_id: use.id, content, is_error: isError };
}

function toolResult(use: EmulatedEvent, answer: EmulatedEvent): ToolResult {
  const content = Array.isArray(answer.content) ? (answer.content as Array<{ type?: string; text?: string }>) : [];
  const text = content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  return {
    id: use.id,
    name: String(use.name),
    text,
    isError: answer.is_error === true,
    json<T>() {
      return JSON.parse(text) as T;
    },
  };
}

function confirmation(answer: EmulatedEvent): ToolConfirmationOutcome {
  if (answer.result === 'allow') return { result: 'allow' };
  return { result: 'deny', denyMessage: typeof answer.deny_message === 'string' ? answer.deny_message : null };
}
