import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMap, isScalar } from 'yaml';
import { Astrocyte } from '../astrocyte.js';
import { BackendNotInstalledError, ConfigError } from '../errors.js';
import type { MemoryStore } from '../memory-store.js';
import { zodProblem } from '../zod-problem.js';
import { type AstrocyteConfig, configSchema } from './config-schema.js';
import { createEmbedder } from './create-embedder.js';
import { createGovernance } from './create-governance.js';
import { createLlm } from './create-llm.js';
import { substituteEnv } from './env-substitution.js';
import { parseYaml } from './parse-yaml.js';
import { suggestKey } from './suggest-key.js';

export type { AstrocyteConfig } from './config-schema.js';

/** A validated config and the folder its relative paths are resolved against. */
export interface LoadedConfig {
  config: AstrocyteConfig;
  baseDir: string;
  /** The file it came from; undefined for an object or the built-in default. */
  source?: string;
}

const DEFAULT_FILES = ['astrocyte.yaml', 'astrocyte.yml'];

/**
 * Reads and validates a YAML config. Without a path: `$ASTROCYTE_CONFIG`, else `./astrocyte.yaml`, else the
 * embedded default (SQLite at ./astrocyte.db, local embedder, no LLM).
 */
export async function loadConfigFile(path?: string): Promise<LoadedConfig> {
  const chosen = path ?? process.env.ASTROCYTE_CONFIG ?? DEFAULT_FILES.find((file) => existsSync(file));
  if (chosen === undefined) return { config: configSchema.parse({}), baseDir: process.cwd() };
  const file = resolve(chosen);
  if (!existsSync(file))
    throw new ConfigError(`config file ${file} does not exist; create it with \`astrocyte init\` or pass another path`);
  return { config: parseConfigText(readFileSync(file, 'utf8'), file), baseDir: dirname(file), source: file };
}

/** Validates a config object shaped like `astrocyte.yaml`; `${VAR}` is read from the environment. */
export function parseConfig(value: unknown, baseDir = process.cwd()): LoadedConfig {
  return { config: validate(substituteEnv(value ?? {}), undefined), baseDir };
}

/** Parses YAML text into a validated config; errors name the file, line and key. */
export function parseConfigText(text: string, file = 'astrocyte.yaml'): AstrocyteConfig {
  const parsed = parseYaml(text, file);
  const { doc, lineCounter } = parsed;
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${file}: the top level must be a mapping of keys`);
  const lineOf = (path: PropertyKey[], key?: string): number | undefined => {
    const node = doc.getIn(path as unknown[], true);
    const target =
      key !== undefined && isMap(node)
        ? node.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key
        : node;
    const offset = (target as { range?: [number] } | undefined)?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  return validate(substituteEnv(value, lineOf, file), { file, lineOf });
}

function validate(
  value: unknown,
  source: { file: string; lineOf: (path: PropertyKey[], key?: string) => number | undefined } | undefined,
): AstrocyteConfig {
  const parsed = configSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problem = zodProblem(parsed.error, value);
  let message = problem.message;
  if (problem.unknownKey !== undefined) {
    const suggestion = suggestKey(problem.unknownKey, problem.path.slice(0, -1));
    message = `${message}${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
  }
  const where = problem.field || '(top level)';
  const line =
    problem.unknownKey === undefined
      ? source?.lineOf(problem.path)
      : source?.lineOf(problem.path.slice(0, -1), problem.unknownKey);
  const prefix = source ? `${source.file}${line ? `:${line}` : ''}: ` : 'config: ';
  throw new ConfigError(`${prefix}${where}: ${message}`, { details: { path: where, ...(line ? { line } : {}) } });
}

/** Builds the brain a validated config describes, loading the backend package on demand. */
export async function brainFromConfig(loaded: LoadedConfig): Promise<Astrocyte> {
  const { config, baseDir } = loaded;
  const store = await openStore(config, baseDir);
  try {
    const llm = await createLlm(config.llm);
    return await Astrocyte.create({
      store,
      embedder: await createEmbedder(config.embedding),
      ...(llm ? { llm } : {}),
      governance: createGovernance(config.governance, baseDir),
      limits: { maxContentLength: config.limits.max_content_length, chunkSize: config.limits.chunk_size },
      dedup: { nearThreshold: config.governance.dedup.near_threshold, action: config.governance.dedup.action },
      recall: {
        maxResults: config.recall.max_results,
        recencyHalfLifeDays: config.recall.recency_half_life_days,
        feedbackTerms: config.recall.feedback_terms,
        ...(config.recall.vector_weight !== undefined ? { vectorWeight: config.recall.vector_weight } : {}),
      },
      reflect: { maxSources: config.reflect.max_sources, maxPromptTokens: config.reflect.max_prompt_tokens },
    });
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function openStore(config: AstrocyteConfig, baseDir: string): Promise<MemoryStore> {
  switch (config.storage.backend) {
    case 'memory': {
      const { InMemoryStore } = await import('../testing/in-memory-store.js');
      return new InMemoryStore();
    }
    case 'sqlite': {
      const { openSqliteStore } = await importBackend('@astrocyte/brain-sqlite');
      const path = config.storage.sqlite?.path ?? './astrocyte.db';
      return openSqliteStore({ path: path === ':memory:' || isAbsolute(path) ? path : join(baseDir, path) });
    }
    case 'postgres': {
      const { openPostgresStore } = await importBackend('@astrocyte/brain-postgres');
      const pg = config.storage.postgres as NonNullable<AstrocyteConfig['storage']['postgres']>;
      return openPostgresStore({
        connectionString: pg.url,
        schema: pg.schema,
        ...(pg.max_connections ? { maxConnections: pg.max_connections } : {}),
      });
    }
  }
}

// Backends are optional packages: resolve them from this package first, then from the application, so that a
// strict package manager layout (pnpm) finds a backend the application installed next to core.
// biome-ignore lint/suspicious/noExplicitAny: each backend exposes its own open function.
async function importBackend(name: string): Promise<any> {
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
