import { describeObservabilityConformance } from '../testing/observability-conformance/index.js';
import { InMemoryStore } from './in-memory-store.js';

describeObservabilityConformance('in-memory', { create: async () => new InMemoryStore() });
