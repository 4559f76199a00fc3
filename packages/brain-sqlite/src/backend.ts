import { isAbsolute, join } from 'node:path';
import { type BackendModule, DEFAULTS } from '@astrocyte/core';
import { z } from 'zod';
import { openSqliteStore } from './sqlite-memory-store.js';

/** The `storage.sqlite:` section of `astrocyte.yaml`. */
const configSchema = z.strictObject({
  path: z.string().min(1).default(DEFAULTS.storage.sqlitePath),
  synchronous: z.enum(['full', 'normal']).default('full'),
});

/** What core loads for `storage.backend: sqlite`: a relative path resolves against the config file's folder. */
export const backend: BackendModule<z.output<typeof configSchema>> = {
  name: 'sqlite',
  configSchema,
  open({ path, synchronous }, { baseDir, existing, embedder }) {
    return openSqliteStore({
      path: path === ':memory:' || isAbsolute(path) ? path : join(baseDir, path),
      synchronous,
      ...(existing ? { mustExist: true } : {}),
      ...(embedder ? { embedder } : {}),
    });
  },
};
