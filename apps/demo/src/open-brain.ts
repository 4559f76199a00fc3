import { resolve } from 'node:path';
import { type Astrocyte, type AstrocyteConfig, brainFromConfig, DEFAULTS, loadConfigFile } from '@astrocyte/core';

/** The brain the demo runs on and a one-line description of where it stores memories. */
export interface DemoBrain {
  brain: Astrocyte;
  storage: string;
  /** The config's `bank`, used as the starting bank when `--bank` is not given. */
  defaultBank?: string;
}

/**
 * Opens the brain the way `Astrocyte.fromConfig()` does (astrocyte.yaml when present, else SQLite at
 * ./astrocyte.db); `db` swaps only the storage for a SQLite file so tests and trials keep the rest of the config.
 */
export async function openDemoBrain(options: { config?: string; db?: string }): Promise<DemoBrain> {
  const loaded = await loadConfigFile(options.config);
  if (options.db) loaded.config.storage = { backend: 'sqlite', sqlite: { path: resolve(options.db) } };
  const brain = await brainFromConfig(loaded);
  return {
    brain,
    storage: describeStorage(loaded.config, loaded.baseDir),
    ...(loaded.config.bank ? { defaultBank: loaded.config.bank } : {}),
  };
}

function describeStorage(config: AstrocyteConfig, baseDir: string): string {
  const { storage } = config;
  switch (storage.backend) {
    case 'sqlite': {
      const path = String(storage.sqlite?.path ?? DEFAULTS.storage.sqlitePath);
      return path === ':memory:' ? 'SQLite in memory (lost on exit)' : `SQLite ${resolve(baseDir, path)}`;
    }
    case 'postgres':
      // The URL may hold a password: show the schema only.
      return `Postgres (schema ${String(storage.postgres?.schema ?? DEFAULTS.storage.postgresSchema)})`;
    case 'memory':
      return 'in memory (lost on exit)';
  }
}
