import { type LoadedConfig, loadConfigFile } from '../config/load-config.js';
import { openBackend } from '../config/open-backend.js';
import type { Embedder } from '../embedders/embedder.js';
import type { ErrorCode } from '../error-codes.js';
import { AstrocyteError } from '../errors.js';
import type { MemoryStore, StoreDescription } from '../memory-store.js';
import { reembeddingInProgress } from './check-health.js';
import { embedderMismatchFix, type FixContext, fixFor } from './diagnosis-fixes.js';
import { checkDisk } from './disk-check.js';
import type { ReembeddingInProgress } from './health-report.js';
import { DEFAULT_ENDPOINTS, probeEmbedder, probeLlm } from './provider-probe.js';

/** The checks `diagnose` runs, in order. */
export const DIAGNOSIS_CHECKS = [
  'config',
  'backend',
  'store',
  'vector_extension',
  'disk',
  'embedder',
  'embedding_provider',
  'llm_provider',
] as const;

/** One check of `diagnose`. */
export interface DiagnosisCheck {
  check: (typeof DIAGNOSIS_CHECKS)[number];
  /** `skipped` when an earlier problem leaves nothing to check. */
  status: 'ok' | 'problem' | 'skipped';
  /** What was found: versions and places when ok, the problem, or why the check was skipped. */
  summary: string;
  /** The error code of a problem. */
  code?: ErrorCode;
  /** What to do about a problem. */
  fix?: string;
}

/** What `diagnose` found: `ok` when no check found a problem. */
export interface Diagnosis {
  ok: boolean;
  checks: DiagnosisCheck[];
}

/** Options of `diagnose`. */
export interface DiagnoseOptions {
  /** The config file; default as for `loadConfigFile`: $ASTROCYTE_CONFIG, ./astrocyte.yaml, else the built-in default. */
  configPath?: string;
  /** How long each provider endpoint gets to answer its one request; default 5000 ms. */
  providerTimeoutMs?: number;
}

const DEFAULT_PROVIDER_TIMEOUT_MS = 5000;

/**
 * Checks a setup end to end, as `astrocyte doctor` does: the config loads; the backend package is installed and the
 * store opens (which creates and migrates it when new, as every command does; it records no embedder); its vector
 * extension; the disk of a store in a file (local, with room); the embedder it records against the configured one; and the configured provider endpoints, with one
 * cheap request each (an embedding of two words, a model list) bounded by a short timeout and never retried. Each
 * problem comes with its fix. Never throws for what it finds.
 */
export async function diagnose(options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const timeoutMs = options.providerTimeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  const checks: DiagnosisCheck[] = [];
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfigFile(options.configPath);
  } catch (error) {
    checks.push(problem('config', error, fixFor(error, { file: 'the config file', backend: 'sqlite' })));
    for (const check of DIAGNOSIS_CHECKS.slice(1)) checks.push(skipped(check, 'needs a config that loads'));
    return { ok: false, checks };
  }
  const { config } = loaded;
  const context: FixContext = { file: loaded.source ?? 'a new astrocyte.yaml', backend: config.storage.backend };
  checks.push({
    check: 'config',
    status: 'ok',
    summary: loaded.source ?? 'no config file: the built-in default (SQLite at ./astrocyte.db, local embedder, no LLM)',
  });

  const store = await openStore(loaded, context, checks);
  try {
    const description = store && (await describeStore(store, context, checks));
    checks.push(store ? await checkDisk(description, context.file) : skipped('disk', 'needs the store'));
    // A store that could not say is reported by the store check already.
    const reembedding = store && description ? await reembeddingInProgress(store, description).catch(() => null) : null;
    const provider = await checkEmbeddingProvider(loaded, context, timeoutMs);
    checks.push(embedderCheck(store, description, provider.embedder, context.file, reembedding), provider.check);
    checks.push(await checkLlmProvider(loaded, context, timeoutMs));
  } finally {
    await store?.close().catch(() => undefined);
  }
  return { ok: checks.every((c) => c.status !== 'problem'), checks };
}

async function openStore(
  loaded: LoadedConfig,
  context: FixContext,
  checks: DiagnosisCheck[],
): Promise<MemoryStore | undefined> {
  const { backend } = loaded.config.storage;
  const packageName = backend === 'memory' ? 'built in (storage.backend: memory)' : `@astrocyte/brain-${backend}`;
  try {
    const store = await openBackend(loaded.config.storage, {
      baseDir: loaded.baseDir,
      ...(loaded.source ? { file: loaded.source } : {}),
      ...(loaded.lineOf ? { lineOf: loaded.lineOf } : {}),
    });
    checks.push({ check: 'backend', status: 'ok', summary: packageName });
    return store;
  } catch (error) {
    const code = AstrocyteError.isInstance(error) ? error.code : undefined;
    if (code === 'backend_not_installed' || code === 'invalid_backend' || code === 'invalid_config') {
      checks.push(problem('backend', error, fixFor(error, context)));
      checks.push(skipped('store', 'needs the backend'), skipped('vector_extension', 'needs the backend'));
      return undefined;
    }
    checks.push({ check: 'backend', status: 'ok', summary: packageName });
    if (code === 'vector_extension_missing' || code === 'vector_extension_outdated') {
      checks.push(skipped('store', 'opens once its vector extension is there'));
      checks.push(problem('vector_extension', error, fixFor(error, context)));
    } else checks.push(problem('store', error, fixFor(error, context)), skipped('vector_extension', 'needs the store'));
    return undefined;
  }
}

async function describeStore(
  store: MemoryStore,
  context: FixContext,
  checks: DiagnosisCheck[],
): Promise<StoreDescription | undefined> {
  if (!store.describe) {
    checks.push({ check: 'store', status: 'ok', summary: `${store.backend}: opened (it does not describe itself)` });
    return undefined;
  }
  try {
    const d = await store.describe();
    const schema = d.schemaVersion ? `; schema version ${d.schemaVersion.current} of ${d.schemaVersion.latest}` : '';
    const counts = `${plural(d.counts.memories, 'memory', 'memories')} in ${plural(d.counts.banks, 'bank', 'banks')}`;
    checks.push({
      check: 'store',
      status: 'ok',
      summary: `${d.engine.name} ${d.engine.version} at ${d.location}${schema}; ${counts}`,
    });
    checks.push({
      check: 'vector_extension',
      status: 'ok',
      summary: d.vectorExtension
        ? `${d.vectorExtension.name} ${d.vectorExtension.version}`
        : `none needed by the ${store.backend} backend`,
    });
    return d;
  } catch (error) {
    checks.push(problem('store', error, fixFor(error, context)), skipped('vector_extension', 'needs the store'));
    return undefined;
  }
}

function embedderCheck(
  store: MemoryStore | undefined,
  description: StoreDescription | undefined,
  embedder: Embedder | undefined,
  file: string,
  reembedding: ReembeddingInProgress | null,
): DiagnosisCheck {
  const check = 'embedder';
  if (!embedder) return skipped(check, 'needs an embedder built from the config (see embedding_provider)');
  const configured = { name: embedder.name, dimensions: embedder.dimensions };
  const named = (e: { name: string; dimensions: number }) => `${e.name} (${e.dimensions} dimensions)`;
  if (!store) return skipped(check, `configured: ${named(configured)}; comparing it needs the store`);
  if (!description) return skipped(check, `configured: ${named(configured)}; the store does not say what it records`);
  const recorded = description.embedder;
  if (!recorded)
    return { check, status: 'ok', summary: `none recorded yet; the first retain records ${named(configured)}` };
  if (recorded.name === configured.name && recorded.dimensions === configured.dimensions) {
    const inProgress = reembedding
      ? `; a re-embedding to ${named(reembedding.target)} is in progress (${reembedding.staged} of ${reembedding.total} staged): continue it with \`astrocyte reembed --to <its embedding: section>\` or drop it with \`astrocyte reembed --cancel\``
      : '';
    return { check, status: 'ok', summary: `${named(configured)}, the one the store was written with${inProgress}` };
  }
  return {
    check,
    status: 'problem',
    code: 'embedder_mismatch',
    summary: `the store was written with ${named(recorded)} but the config names ${named(configured)}`,
    fix: embedderMismatchFix(recorded, configured, file),
  };
}

// The embedding provider's check, and the configured embedder when it could be built.
async function checkEmbeddingProvider(
  loaded: LoadedConfig,
  context: FixContext,
  timeoutMs: number,
): Promise<{ check: DiagnosisCheck; embedder?: Embedder }> {
  const config = loaded.config.embedding;
  const check = 'embedding_provider';
  const endpoint =
    config.provider === 'openai' ? shownEndpoint(config.base_url ?? DEFAULT_ENDPOINTS.openai) : undefined;
  const fixContext = { ...context, section: 'embedding', timeoutMs, ...(endpoint ? { endpoint } : {}) };
  let embedder: Embedder;
  try {
    embedder = await probeEmbedder(config, timeoutMs);
  } catch (error) {
    return { check: problem(check, error, fixFor(error, fixContext)) };
  }
  if (config.provider === 'local')
    return {
      check: { check, status: 'ok', summary: `${embedder.name}: computed in this process, no network` },
      embedder,
    };
  try {
    const [vector] = await embedder.embed(['astrocyte doctor']);
    const summary = `${embedder.name} at ${endpoint} answered with ${vector?.length} dimensions`;
    return { check: { check, status: 'ok', summary }, embedder };
  } catch (error) {
    return { check: problem(check, error, fixFor(error, fixContext)), embedder };
  }
}

async function checkLlmProvider(loaded: LoadedConfig, context: FixContext, timeoutMs: number): Promise<DiagnosisCheck> {
  const config = loaded.config.llm;
  const check = 'llm_provider';
  if (config.provider === 'none') return { check, status: 'ok', summary: 'none: reflect answers are extractive' };
  const endpoint = shownEndpoint(config.base_url ?? DEFAULT_ENDPOINTS[config.provider]);
  try {
    const { listed, modelListed } = await probeLlm(config, timeoutMs);
    const model = modelListed
      ? `${config.model} is among its ${listed} models`
      : `${config.model} is not among the ${listed} models it lists (an alias may still work)`;
    return { check, status: 'ok', summary: `${config.provider} at ${endpoint} answered; ${model}` };
  } catch (error) {
    return problem(check, error, fixFor(error, { ...context, section: 'llm', endpoint, timeoutMs }));
  }
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function skipped(check: DiagnosisCheck['check'], summary: string): DiagnosisCheck {
  return { check, status: 'skipped', summary };
}

function problem(check: DiagnosisCheck['check'], error: unknown, fix: string): DiagnosisCheck {
  return {
    check,
    status: 'problem',
    summary: error instanceof Error ? error.message : String(error),
    ...(AstrocyteError.isInstance(error) ? { code: error.code } : {}),
    fix,
  };
}

// An endpoint as the report shows it: a password in its user part, or a key in its query (Azure's `api-key=`), stays
// out of what `astrocyte doctor` prints.
function shownEndpoint(url: string): string {
  try {
    const shown = new URL(url);
    // As written when it holds nothing to hide (URL's own form would add a slash to a bare host).
    if (!shown.username && !shown.password && !shown.search && !shown.hash) return url;
    shown.username = '';
    shown.password = '';
    shown.search = '';
    shown.hash = '';
    return shown.toString();
  } catch {
    return 'the configured base_url';
  }
}
