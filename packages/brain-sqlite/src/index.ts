export { backend } from './backend.js';
export { createSqliteBrain, type SqliteBrainOptions } from './create-sqlite-brain.js';
export { openSqliteStore, SqliteMemoryStore } from './sqlite-memory-store.js';
export { parseSqliteStoreOptions, type SqliteStoreOptions } from './store-options.js';
