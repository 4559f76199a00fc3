export { NEGATIVES as PII_CORPUS_NEGATIVES } from '../governance/pii-corpus/negatives.js';
export { POSITIVES as PII_CORPUS_POSITIVES } from '../governance/pii-corpus/positives.js';
export { type CorpusMiss, scoreCorpus, type TypeScore } from '../governance/pii-corpus/score-corpus.js';
export { brainHarness, manualClock } from './brain-conformance/harness.js';
export { describeBrainConformance } from './brain-conformance/index.js';
export { InMemoryStore } from './in-memory-store.js';
export { describeMemoryStoreConformance } from './memory-store-conformance.js';
export * from './provider-servers/index.js';
export { randomBankId, type StoreFactory } from './store-factory.js';
