import { describeAccessConformance } from '../testing/access-conformance/index.js';
import { InMemoryStore } from './in-memory-store.js';

describeAccessConformance('in-memory', { create: async () => new InMemoryStore() });
