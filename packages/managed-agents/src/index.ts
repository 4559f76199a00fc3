export { handleMemoryTool, isMemoryTool, type MemoryToolDefinition, memoryToolDefinitions } from '@astrocyte/core';
export { deleteManagedSession } from './delete-managed-session.js';
export { type CustomToolBinding, type CustomToolOutcome, executeCustomTool } from './execute-custom-tool.js';
export type { MemoryFileLayout } from './memory-file-layout.js';
export { type MemoryRunnableToolsOptions, memoryRunnableTools } from './memory-runnable-tools.js';
export { diffBankWithMemoryStore, type MemoryStoreDiff, type SkippedMemory } from './memory-store-diff.js';
export { MemoryStoreConflictError, MemoryStoreRequestError } from './memory-store-errors.js';
export type { PullStoreOptions, PushBankOptions, SyncProgress } from './memory-store-options.js';
export { type PullResult, pullMemoryStoreToBank } from './memory-store-pull.js';
export { type PushResult, pushBankToMemoryStore } from './memory-store-push.js';
export { runSessionTurn, runSessionWithMemory } from './run-session-with-memory.js';
export {
  SessionAbortedError,
  SessionDeletedError,
  SessionError,
  SessionFailedError,
  SessionTerminatedError,
  SessionTimeoutError,
  ToolConfirmationRequiredError,
} from './session-errors.js';
export type {
  CustomToolUseEvent,
  PermissionedToolUseEvent,
  SessionEvent,
  SessionStopDetails,
} from './session-events.js';
export { type FeedItem, type FeedOrigin, SessionFeed, type SessionFeedOptions } from './session-feed.js';
export type { NonMemoryToolHandler, RunSessionOptions } from './session-options.js';
export {
  retainTranscript,
  TRANSCRIPT_SPEAKERS,
  type TranscriptTarget,
  TurnTranscript,
} from './session-transcript.js';
export type { SessionTurnResult } from './session-turn.js';
export {
  type LedgerOutcome,
  type ToolCallEvent,
  ToolCallLedger,
  type ToolCallLedgerOptions,
  type ToolCallRecord,
  type ToolConfirmationRecord,
  type UnansweredCall,
} from './tool-call-ledger.js';
export type { ToolConfirmationDecision, ToolConfirmationHandler } from './tool-confirmation.js';
