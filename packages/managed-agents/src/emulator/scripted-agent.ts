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

/** How the script's built-in or MCP tool use was settled: run (`allow`) or refused (`deny`, by policy or by the user). */
export type ToolConfirmationOutcome = { result: 'allow' } | { result: 'deny'; denyMessage: string | null };

/**
 * The permission the platform evaluated for a built-in or MCP tool use (its `evaluated_permission`): `allow` runs it,
 * `ask` holds it for a `user.tool_confirmation`, `deny` refuses it by policy. Any other value is emitted as is and
 * held like `ask` (fail closed), to test how clients treat a value they do not know.
 */
export type ToolPermission = 'allow' | 'ask' | 'deny' | (string & {});

/** Where a built-in tool use comes from and how it is gated. */
export interface ToolUseOptions {
  /** Default `allow`. */
  permission?: ToolPermission;
  /** Makes it an MCP tool use (`agent.mcp_tool_use` with this `mcp_server_name`). */
  mcpServer?: string;
}

/** One call of a batch: a custom tool the application answers, or a built-in / MCP tool the platform runs. */
export type BatchRequest =
  | { kind: 'custom'; name: string; input?: Record<string, unknown> }
  | ({ kind: 'builtin'; name: string; input?: Record<string, unknown> } & ToolUseOptions);

/** A memory store attached to the session (a `memory_store` resource), as the agent's system prompt describes it. */
export interface MemoryMountInfo {
  memoryStoreId: string;
  /** The store's name when the session was created. */
  name: string;
  /** Where its files are: `/mnt/memory/<the name lowercased, each run of other characters than a-z0-9 a hyphen>`. */
  mountPath: string;
  access: 'read_write' | 'read_only';
  instructions: string | null;
}

/** How a file tool use is gated, as for `useTool` (default `allow`; `ask` waits for a `user.tool_confirmation`). */
export interface FileToolOptions {
  permission?: ToolPermission;
}

/**
 * What a file tool returned, as its `agent.tool_result` carries it: the file's content for a read, one path a line
 * for a listing, a short confirmation for a write or a removal, or the error (a missing file, a read-only mount, a
 * path conflict, a denied use) with `isError`.
 */
export interface FileToolResult {
  /** The `agent.tool_use` event id. */
  toolUseId: string;
  text: string;
  isError: boolean;
}

/** Why a refusal stopped the turn (`stop_details` of the idle); both default to null. */
export interface RefusalOptions {
  explanation?: string | null;
  /** The SDK names `cyber`, `bio`, `frontier_llm`, `reasoning_extraction`, `general_harms`; others are accepted. */
  category?: string | null;
}

/** The platform's error kinds for `session.error` (the SDK's `error.type`); others are accepted too. */
export type SessionErrorType =
  | 'unknown_error'
  | 'model_overloaded_error'
  | 'model_rate_limited_error'
  | 'model_request_failed_error'
  | 'mcp_connection_failed_error'
  | 'mcp_authentication_failed_error'
  | 'billing_error'
  | 'credential_host_unreachable_error'
  | 'tool_use_limit_reached_error'
  | 'compaction_limit_reached_error'
  | 'repository_authentication_error'
  | 'repository_forbidden_error'
  | 'repository_not_found_error'
  | 'repository_checkout_error'
  | 'repository_clone_error'
  | (string & {});

/**
 * The type-specific fields of a `session.error`'s error object (`mcp_server_name` for MCP errors, `credential_id` and
 * `vault_id` for credential errors, `repository_url` for repository errors); placeholders fill the ones left out.
 */
export type SessionErrorFields = Record<string, unknown>;

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
  /**
   * Terminates the thread (`session.thread_status_terminated`): its pending calls reject with `ThreadTerminated`
   * inside the script, and the emulator refuses (400) any later answer to them, as the platform does.
   */
  terminate(): void;
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
  /**
   * Uses a built-in tool (`agent.tool_use`), or an MCP tool with `mcpServer` (`agent.mcp_tool_use`), gated by
   * `permission` (default `allow`): `allow` emits its result (`agent.tool_result` / `agent.mcp_tool_result`);
   * `ask` (or any unknown value) idles with `requires_action` until a `user.tool_confirmation`, then emits the result
   * when allowed; `deny` refuses it by policy (a synthetic error result) without asking.
   */
  useTool(name: string, input?: Record<string, unknown>, options?: ToolUseOptions): Promise<ToolConfirmationOutcome>;
  /**
   * Custom calls and built-in uses at once: every event, then ONE idle `requires_action` naming every id that waits
   * (custom calls and ask-gated uses), then every answer, in request order.
   */
  batch(requests: BatchRequest[]): Promise<Array<ToolResult | ToolConfirmationOutcome>>;
  /** Starts a sub-agent thread (`session.thread_created`). */
  subAgent(agentName?: string): SubAgentThread;

  // The built-in file tools on the memory stores the session mounts (`resources` of type `memory_store`). Each emits
  // the `agent.tool_use` (`read`, `write`, `glob`, `bash`) and `agent.tool_result` the platform's file tools would;
  // writes become memory versions recorded as this session (`session_actor`), and a read-only mount refuses them.

  /** The memory stores mounted in this session, in the order of its resources. */
  readonly memoryMounts: readonly MemoryMountInfo[];
  /** Reads a file, e.g. `/mnt/memory/notes/user/prefs.md` (tool `read`, input `{ file_path }`). */
  readMemoryFile(path: string, options?: FileToolOptions): Promise<FileToolResult>;
  /** Creates or overwrites a file (tool `write`, input `{ file_path, content }`). */
  writeMemoryFile(path: string, content: string, options?: FileToolOptions): Promise<FileToolResult>;
  /** Lists the files at or below a directory, default `/mnt/memory` (tool `glob`, input `{ pattern, path }`). */
  listMemoryFiles(directory?: string, options?: FileToolOptions): Promise<FileToolResult>;
  /** Removes a file (tool `bash`, input `{ command: "rm '<path>'" }`). */
  deleteMemoryFile(path: string, options?: FileToolOptions): Promise<FileToolResult>;
  /** Emits any event as is (ids and timestamps are filled in); for testing how clients treat unknown events. */
  emit(event: { type: string; [field: string]: unknown }): void;

  // Fault injection: each reproduces something the real service does.

  /** Cuts every open event stream of the session now (clients see `TypeError: terminated`). */
  dropStream(): void;
  /** A `session.error` the platform is retrying: emits it with `session.status_rescheduled`, then carries on. */
  sessionError(type: SessionErrorType, retryStatus: 'retrying', message?: string, fields?: SessionErrorFields): void;
  /** A `session.error` that ends the turn: `exhausted` (idle, `retries_exhausted`) or `terminal` (terminated). */
  sessionError(
    type: SessionErrorType,
    retryStatus: 'exhausted' | 'terminal',
    message?: string,
    fields?: SessionErrorFields,
  ): never;
  /** Ends the turn on a refusal: idle with `stop_reason: refusal` and `stop_details` (category, explanation). */
  refuse(options?: RefusalOptions): never;
  /** Ends the turn as the budget does: idle with `stop_reason: budget_reached`. */
  exhaustBudget(): never;
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

/** Thrown to a script's pending calls of a sub-agent thread that terminated. */
export class ThreadTerminated extends Error {
  constructor(readonly threadId: string) {
    super(`session thread ${threadId} was terminated`);
  }
}
