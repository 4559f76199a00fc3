import { describe } from 'vitest';
import type { StoreFactory } from '../store-factory.js';
import { describeConversations } from './conversations.js';
import { describeForgetListHistory } from './forget-list-history.js';
import { describeGovernance } from './governance.js';
import { describeHealth } from './health.js';
import { describeInputEdges } from './input-edges.js';
import { describeMemoryTools } from './memory-tools.js';
import { describeReembed } from './reembed.js';
import { describeRetainAndRecall } from './retain-and-recall.js';
import { describeSupersessionChains } from './supersession-chains.js';

// Each section is its own file; a backend runs them all through this one call.
const SECTIONS: ((factory: StoreFactory) => void)[] = [
  describeRetainAndRecall,
  describeConversations,
  describeForgetListHistory,
  describeMemoryTools,
  describeGovernance,
  describeSupersessionChains,
  describeInputEdges,
  describeHealth,
  describeReembed,
];

/**
 * End-to-end Brain behaviour (an Astrocyte over the backend's store): run it in a backend's tests with
 * `describeBrainConformance('sqlite', { create: () => openSqliteStore({ path: ':memory:' }) })`.
 */
export function describeBrainConformance(name: string, factory: StoreFactory): void {
  describe(`Brain conformance: ${name}`, () => {
    for (const section of SECTIONS) section(factory);
  });
}
