export type { EmulatedAgent, EmulatedEvent, EmulatedSession, RejectedEvent } from './emulated-session.js';
export {
  type EmulatedRequest,
  MANAGED_AGENTS_BETA,
  type ManagedAgentsEmulator,
  type ManagedAgentsEmulatorOptions,
  MEMORY_STORES_BETA,
  startManagedAgentsEmulator,
} from './emulator-server.js';
export { type KeywordMemoryAgentOptions, keywordMemoryAgent } from './keyword-memory-agent.js';
export type { EmulatedMemoryStore, MemoryActor, StoredMemory, StoredVersion } from './memory-stores.js';
export type { RequestFault } from './request-faults.js';
// The whole scripted-agent contract is public: it is what a test's agent is written against.
export * from './scripted-agent.js';
