export { handleMemoryTool, isMemoryTool, type MemoryToolDefinition, memoryToolDefinitions } from '@astrocyte/core';
export { deleteManagedSession } from './delete-managed-session.js';
export { type CustomToolOutcome, executeCustomTool } from './execute-custom-tool.js';
export { type MemoryRunnableToolsOptions, memoryRunnableTools } from './memory-runnable-tools.js';
export { runSessionTurn, runSessionWithMemory } from './run-session-with-memory.js';
export {
  SessionAbortedError,
  SessionDeletedError,
  SessionError,
  SessionFailedError,
  SessionTerminatedError,
  SessionTimeoutError,
} from './session-errors.js';
export type { CustomToolUseEvent, SessionEvent } from './session-events.js';
export type { NonMemoryToolHandler, RunSessionOptions } from './session-options.js';
export type { SessionTurnResult, ToolCallRecord } from './session-turn.js';
