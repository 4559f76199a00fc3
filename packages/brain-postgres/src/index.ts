export { backend } from './backend.js';
export { createPostgresBrain, type PostgresBrainOptions, postgresBrainOptionsSchema } from './create-postgres-brain.js';
export { MIGRATIONS } from './migrations.js';
export { openPostgresStore, PostgresMemoryStore } from './postgres-memory-store.js';
export { type PostgresStoreOptions, postgresStoreOptionsSchema } from './store-options.js';
