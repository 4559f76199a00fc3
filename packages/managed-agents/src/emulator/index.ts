export type { EmulatedAgent, EmulatedEvent, EmulatedSession, RejectedEvent } from './emulated-session.js';
export {
  MANAGED_AGENTS_BETA,
  type ManagedAgentsEmulator,
  type ManagedAgentsEmulatorOptions,
  startManagedAgentsEmulator,
} from './emulator-server.js';
export { type KeywordMemoryAgentOptions, keywordMemoryAgent } from './keyword-memory-agent.js';
export type { RequestFault } from './request-faults.js';
export {
  type AgentTurn,
  type ScriptedAgent,
  type SessionErrorType,
  type SubAgentThread,
  type ToolCallRequest,
  type ToolResult,
  TurnInterrupted,
  TurnStopped,
} from './scripted-agent.js';
