import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BackendModule, OpenContext } from '../backend-module.js';
import { BackendNotInstalledError, ConfigError } from '../errors.js';
import { inMemoryBackend } from '../in-memory/in-memory-backend.js';
import type { MemoryStore } from '../memory-store.js';
import { zodProblem } from '../zod-problem.js';
import { configProblem, type LineOf } from './config-problem.js';
import type { AstrocyteConfig } from './config-schema.js';

/**
 * Opens the store `storage.backend` names: loads the backend module, validates its section of the config with the
 * module's own schema (errors name the file, line and key like every config error) and opens it.
 */
export async function openBackend(
  storage: AstrocyteConfig['storage'],
  context: OpenContext & { file?: string; lineOf?: LineOf },
): Promise<MemoryStore> {
  const backend = storage.backend === 'memory' ? inMemoryBackend : await loadBackend(storage.backend);
  const section = storage[storage.backend] ?? {};
  const parsed = backend.configSchema.safeParse(section);
  if (!parsed.success) {
    const problem = zodProblem(parsed.error, section, backend.configSchema);
    const path = ['storage', backend.name, ...problem.path];
    throw configProblem({ ...problem, path, field: path.join('.') }, context);
  }
  return backend.open(parsed.data, {
    baseDir: context.baseDir,
    ...(context.existing ? { existing: true } : {}),
    ...(context.embedder ? { embedder: context.embedder } : {}),
  });
}

async function loadBackend(name: string): Promise<BackendModule> {
  const packageName = `@astrocyte/brain-${name}`;
  const backend = ((await importBackend(packageName)) as { backend?: unknown } | null)?.backend;
  if (!isBackendModule(backend, name)) {
    throw new ConfigError(`${packageName} does not export a backend module for storage.backend: ${name}`, {
      code: 'invalid_backend',
      details: { package: packageName },
    });
  }
  return backend;
}

function isBackendModule(value: unknown, name: string): value is BackendModule {
  const candidate = value as Partial<BackendModule> | null | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.name === name &&
    typeof candidate.open === 'function' &&
    typeof candidate.configSchema?.safeParse === 'function'
  );
}

// Backends are optional packages: resolve them from this package first, then from the application, so that a
// strict package manager layout (pnpm) finds a backend the application installed next to core.
async function importBackend(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    if (!isModuleNotFound(error, name)) throw error;
  }
  try {
    const fromApp = createRequire(join(process.cwd(), 'package.json')).resolve(name);
    return await import(pathToFileURL(fromApp).href);
  } catch (error) {
    throw new BackendNotInstalledError(name, { cause: error });
  }
}

function isModuleNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name)
  );
}
