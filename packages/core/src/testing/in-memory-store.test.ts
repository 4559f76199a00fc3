import { describeBrainConformance } from './brain-conformance/index.js';
import { InMemoryStore } from './in-memory-store.js';
import { describeMemoryStoreConformance } from './memory-store-conformance.js';

// The reference store runs both suites, which proves the suites themselves are satisfiable.
describeMemoryStoreConformance('in-memory', { create: async () => new InMemoryStore() });
describeBrainConformance('in-memory', { create: async () => new InMemoryStore() });
