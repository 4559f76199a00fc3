import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { Astrocyte } from '../astrocyte.js';
import { ConfigError } from '../errors.js';
import { lineNotUtf8 } from '../utf8-lines.js';
import { zodProblem } from '../zod-problem.js';
import { configProblem, type LineOf } from './config-problem.js';
import { type AstrocyteConfig, configSchema } from './config-schema.js';
import { createAccess } from './create-access.js';
import { createEmbedder } from './create-embedder.js';
import { createGovernance } from './create-governance.js';
import { createLlm } from './create-llm.js';
import { substituteEnv } from './env-substitution.js';
import { openBackend } from './open-backend.js';
import { parseYaml } from './parse-yaml.js';

export type { AccessConfig, AccessTokenConfig, AstrocyteConfig } from './config-schema.js';

/** A validated config and the folder its relative paths are resolved against. */
export interface LoadedConfig {
  config: AstrocyteConfig;
  baseDir: string;
  /** The file it came from; undefined for an object or the built-in default. */
  source?: string;
  /** Where a key sits in that file, so that the backend's section, validated when the store opens, names its line. */
  lineOf?: LineOf;
}

const DEFAULT_FILES = ['astrocyte.yaml', 'astrocyte.yml'];

/**
 * Reads and validates a YAML config. Without a path: `$ASTROCYTE_CONFIG`, else `./astrocyte.yaml`, else the
 * embedded default (SQLite at ./astrocyte.db, local embedder, no LLM).
 */
export async function loadConfigFile(path?: string): Promise<LoadedConfig> {
  // An empty variable is an unset one (as a shell's `ASTROCYTE_CONFIG= cmd` means); an empty path given is a mistake.
  const chosen = path ?? (process.env.ASTROCYTE_CONFIG || DEFAULT_FILES.find((file) => existsSync(file)));
  if (chosen === undefined) return { config: configSchema.parse({}), baseDir: process.cwd() };
  if (chosen.trim() === '')
    throw new ConfigError('the config file path is empty; pass the path of a YAML file', {
      details: { kind: 'unreadable_file' },
    });
  const file = resolve(chosen);
  if (!existsSync(file))
    throw new ConfigError(
      `config file ${file} does not exist; create it with \`astrocyte init\` or pass another path`,
      {
        details: { kind: 'missing_file', file },
      },
    );
  return { ...readConfigText(readConfigFile(file), file), baseDir: dirname(file), source: file };
}

// The file's text; a folder or a file the process may not read is a ConfigError naming it, not Node's EISDIR.
function readConfigFile(file: string): string {
  if (statSync(file).isDirectory())
    throw new ConfigError(`config file ${file} is a folder; pass the path of the YAML file in it`, {
      details: { kind: 'unreadable_file', file },
    });
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new ConfigError(`config file ${file} cannot be read: ${(cause as Error).message}`, {
      cause,
      details: { kind: 'unreadable_file', file },
    });
  }
  // Read as UTF-8 regardless, a Latin-1 `é` would become U+FFFD: in a path, a store file of another name. The YAML
  // parser skips a byte order mark.
  const line = lineNotUtf8(bytes);
  if (line !== null) {
    throw new ConfigError(
      `${file}:${line}: not UTF-8: the line holds bytes that are not (a Latin-1 or UTF-16 file?); convert it, e.g. ` +
        'iconv -f latin1 -t utf-8',
      { details: { file, line } },
    );
  }
  return bytes.toString('utf8');
}

/** Validates a config object shaped like `astrocyte.yaml`; `${VAR}` is read from the environment. */
export function parseConfig(value: unknown, baseDir = process.cwd()): LoadedConfig {
  return { config: validate(substituteEnv(value ?? {}), {}), baseDir };
}

/** Parses YAML text into a validated config; errors name the file, line and key. */
export function parseConfigText(text: string, file = 'astrocyte.yaml'): AstrocyteConfig {
  return readConfigText(text, file).config;
}

function readConfigText(text: string, file: string): { config: AstrocyteConfig; lineOf: LineOf } {
  const parsed = parseYaml(text, file);
  const { doc, lineCounter } = parsed;
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${file}: the top level must be a mapping of keys`);
  const lineOf: LineOf = (path, key) => {
    const node = doc.getIn(path as unknown[], true);
    const target =
      key !== undefined && isMap(node)
        ? node.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key
        : node;
    const offset = (target as { range?: [number] } | undefined)?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  return { config: validate(substituteEnv(value, lineOf, file), { file, lineOf }), lineOf };
}

function validate(value: unknown, source: { file?: string; lineOf?: LineOf }): AstrocyteConfig {
  const parsed = configSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw configProblem(zodProblem(parsed.error, value, configSchema), source);
}

/**
 * Builds the brain a validated config describes, loading the backend package on demand. With `existing`, only on a
 * store that is already there (see BackendModule.open).
 */
export async function brainFromConfig(loaded: LoadedConfig, options: { existing?: boolean } = {}): Promise<Astrocyte> {
  const { config, baseDir } = loaded;
  const embedder = await createEmbedder(config.embedding);
  const store = await openBackend(config.storage, {
    baseDir,
    ...(options.existing ? { existing: true } : {}),
    ...(loaded.source ? { file: loaded.source } : {}),
    ...(loaded.lineOf ? { lineOf: loaded.lineOf } : {}),
    embedder: { name: embedder.name, dimensions: embedder.dimensions },
  });
  try {
    const llm = await createLlm(config.llm);
    return await Astrocyte.create({
      store,
      embedder,
      ...(llm ? { llm } : {}),
      governance: createGovernance(config.governance, baseDir),
      limits: { maxContentLength: config.limits.max_content_length, chunkSize: config.limits.chunk_size },
      dedup: { nearThreshold: config.governance.dedup.near_threshold, action: config.governance.dedup.action },
      recall: {
        maxResults: config.recall.max_results,
        recencyHalfLifeDays: config.recall.recency_half_life_days,
        feedbackTerms: config.recall.feedback_terms,
        repeatFactor: config.recall.repeat_factor,
        speakerBoost: config.recall.speaker_boost,
        ...(config.recall.vector_weight !== undefined ? { vectorWeight: config.recall.vector_weight } : {}),
      },
      reflect: { maxSources: config.reflect.max_sources, maxPromptTokens: config.reflect.max_prompt_tokens },
      hooks: { includeText: config.hooks.include_text },
      ...(config.access ? { access: createAccess(config.access) } : {}),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
}
