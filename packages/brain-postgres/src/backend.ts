import type { BackendModule } from '@astrocyte/core';
import { z } from 'zod';
import { openPostgresStore } from './postgres-memory-store.js';
import { postgresStoreOptionsSchema } from './store-options.js';

/** The `storage.postgres:` section of `astrocyte.yaml`, snake_case as written there. */
const configSchema = z.strictObject({
  url: postgresStoreOptionsSchema.shape.connectionString.unwrap(),
  schema: postgresStoreOptionsSchema.shape.schema,
  max_connections: postgresStoreOptionsSchema.shape.maxConnections,
});

/** What core loads for `storage.backend: postgres`. */
export const backend: BackendModule<z.output<typeof configSchema>> = {
  name: 'postgres',
  configSchema,
  open({ url, schema, max_connections }, { existing, embedder }) {
    return openPostgresStore({
      connectionString: url,
      schema,
      mustExist: existing === true,
      ...(embedder ? { embedder } : {}),
      ...(max_connections === undefined ? {} : { maxConnections: max_connections }),
    });
  },
};
