/**
 * A scripted stand-in for the model behind a Managed Agent. The emulator calls it once per turn (each
 * `user.message`); it acts through the turn handle and the turn ends (`session.status_idle`, `end_turn`)
 * when the returned promise settles. Nothing here is a language model: the script decides everything.
 */
export type ScriptedAgent = (turn: AgentTurn) => Promise<void> | void;

/** A custom tool call the script asks for. */
export interface ToolCallRequest {
  name: string;
  input?: Record<string, unknown>;
}

/** The application's answer to a custom tool call. */
export interface ToolResult {
  /** The `agent.custom_tool_use` event id. */
  id: string;
  name: string;
  /** The result's text blocks, joined. */
  text: string;
  isError: boolean;
  /** The text parsed as JSON; throws when it is not JSON. */
  json<T = unknown>(): T;
}

/** The platform's error kinds for `session.error` (the SDK's `error.type`); others are accepted too. */
export type SessionErrorType =
  | 'unknown_error'
  | 'model_overloaded_error'
  | 'model_rate_limited_error'
  | 'model_request_failed_error'
  | 'mcp_connection_failed_error'
  | 'billing_error'
  | (string & {});

/** A sub-agent thread: its custom tool calls are cross-posted to the primary stream with `session_thread_id`. */
export interface SubAgentThread {
  readonly threadId: string;
  readonly agentName: string;
  /** Calls one custom tool from the sub-agent's thread and waits for the result. */
  callTool(name: string, input?: Record<string, unknown>): Promise<ToolResult>;
  /** Calls several tools at once from the sub-agent's thread. */
  callTools(calls: ToolCallRequest[]): Promise<ToolResult[]>;
  /** Ends the thread's work (`session.thread_status_idle`, `end_turn`). */
  finish(): void;
}

/** What a scripted agent can do during one turn. */
export interface AgentTurn {
  readonly sessionId: string;
  /** The text of the user message that started the turn. */
  readonly message: string;
  /** 0 for the session's first turn. */
  readonly turnIndex: number;
  /** The names of the custom tools the agent was created with. */
  readonly tools: readonly string[];
  /** Aborted when the user interrupts the turn or the session ends; pending calls then reject. */
  readonly signal: AbortSignal;
  /** Emits an `agent.message` with this text. */
  say(text: string): void;
  /** Emits an `agent.thinking` progress event. */
  think(): void;
  /** Calls one custom tool (`agent.custom_tool_use`, then idle `requires_action`) and waits for its result. */
  callTool(name: string, input?: Record<string, unknown>): Promise<ToolResult>;
  /** Calls several tools in parallel: all tool-use events, one idle naming every id, then waits for every result. */
  callTools(calls: ToolCallRequest[]): Promise<ToolResult[]>;
  /** Starts a sub-agent thread (`session.thread_created`). */
  subAgent(agentName?: string): SubAgentThread;
  /** Emits any event as is (ids and timestamps are filled in); for testing how clients treat unknown events. */
  emit(event: { type: string; [field: string]: unknown }): void;

  // Fault injection: each reproduces something the real service does.

  /** Cuts every open event stream of the session now (clients see `TypeError: terminated`). */
  dropStream(): void;
  /** A `session.error` the platform is retrying: emits it with `session.status_rescheduled`, then carries on. */
  sessionError(type: SessionErrorType, retryStatus: 'retrying', message?: string): void;
  /** A `session.error` that ends the turn: `exhausted` (idle, `retries_exhausted`) or `terminal` (terminated). */
  sessionError(type: SessionErrorType, retryStatus: 'exhausted' | 'terminal', message?: string): never;
  /** Terminates the session (`session.status_terminated`); it accepts no further input. */
  terminate(): never;
  /** Deletes the session (`session.deleted`) and closes its streams. */
  deleteSession(): never;
  /** Never finishes on its own: waits until the turn is interrupted (for time-out tests). */
  stall(): Promise<never>;
}

/** Thrown inside a script to end the turn without the usual idle; the emulator has already emitted what ends it. */
export class TurnStopped extends Error {
  constructor(readonly reason: string) {
    super(`turn stopped: ${reason}`);
  }
}

/** Thrown to a script's pending calls when the user interrupts the turn. */
export class TurnInterrupted extends Error {
  constructor() {
    super('the turn was interrupted');
  }
}
