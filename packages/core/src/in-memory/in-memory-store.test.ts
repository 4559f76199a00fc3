import { describeAccessLedgerConformance } from '../testing/access-ledger-conformance.js';
import { describeBrainConformance } from '../testing/brain-conformance/index.js';
import { describeMemoryStoreConformance } from '../testing/memory-store-conformance.js';
import { InMemoryStore } from './in-memory-store.js';

// The reference store runs both suites, which proves the suites themselves are satisfiable.
describeMemoryStoreConformance('in-memory', { create: async () => new InMemoryStore() });
describeBrainConformance('in-memory', { create: async () => new InMemoryStore() });
describeAccessLedgerConformance('in-memory', { create: async () => new InMemoryStore() });
