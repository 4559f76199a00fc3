// @astrocyte/core/backend: what a storage backend package builds on (the MemoryStore contract's records, row
// decoding, keyword fields, the path-prefix rule, text hashing and terms, time slicing, option parsing). Applications
// need none of it; they use the main entry.
export { checkCounterArguments, decodeAuditCursor, encodeAuditCursor } from '../access/ledger-inputs.js';
export {
  type BrainOnlyOptions,
  brainOptionFields,
  embedderInfoSchema,
  splitBrainOptions,
} from '../brain-option-fields.js';
export { checkBrainSettings } from '../brain-settings.js';
export { groupBy } from '../collections.js';
export { checkVector } from '../embedders/check-vector.js';
export { cosineSimilarity, normalizeVector } from '../embedders/embedder.js';
export {
  MEMORY_COLUMNS,
  memoryFromSqlRow,
  type SqlMemoryRow,
  type SqlRowDecoding,
  type SqlVersionRow,
  versionFromSqlRow,
} from '../memory-rows.js';
export * from '../memory-store.js';
export { normalizePathPrefix } from '../path-prefix.js';
export { dateWords, KEYWORD_WEIGHTS, type KeywordFields, keywordFields } from '../recall/keyword-fields.js';
export {
  checkReembedTarget,
  type ReembedItem,
  type ReembedState,
  type StagedVector,
  type StoreReembedding,
  sameEmbedder,
} from '../reembed/store-reembedding.js';
export {
  contentHash,
  episodeHashPrefix,
  hasUnspacedScript,
  mayRepeat,
  searchTerms,
  spacedLetterPairs,
  spacedWords,
  words,
} from '../text.js';
export { TimeSlicer } from '../time-slicer.js';
export { DEFAULT_LIMITS, normalizeSpeaker } from '../validation.js';
export { parsePackageOptions } from '../zod-problem.js';
