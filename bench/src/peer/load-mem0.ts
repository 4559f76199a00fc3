import Module, { createRequire } from 'node:module';

// mem0ai's `oss` entry loads the SDK of every provider it supports when it is imported (Ollama, Groq, Mistral,
// Qdrant, Redis, Supabase, Google, LangChain, Azure, Cloudflare, Neo4j), though they are optional peers. The
// benchmark uses only its OpenAI embedder, pgvector store and SQLite history, whose packages are installed; the
// others are replaced by stand-ins that throw if anything ever constructs or calls them.
const UNUSED_PROVIDER_PACKAGES = [
  'ollama',
  'groq-sdk',
  '@mistralai/mistralai',
  '@qdrant/js-client-rest',
  'cloudflare',
  'redis',
  '@supabase/supabase-js',
  '@google/genai',
  '@langchain/core',
  '@azure/search-documents',
  '@azure/identity',
  'neo4j-driver',
];

function isUnusedProvider(request: string): boolean {
  return UNUSED_PROVIDER_PACKAGES.some((name) => request === name || request.startsWith(`${name}/`));
}

function standIn(request: string): unknown {
  const fail = () => {
    throw new Error(`${request} is not installed: the benchmark does not use this mem0 provider`);
  };
  return new Proxy(fail, {
    get: (_target, key) => (key === '__esModule' ? undefined : key === 'default' ? standIn(request) : fail),
    construct: fail,
    apply: fail,
  });
}

/** The `mem0ai/oss` module, loaded with telemetry off and unused provider SDKs stood in for. */
export type Mem0Module = typeof import('mem0ai/oss');

/**
 * Loads `mem0ai/oss` (its CommonJS build) with telemetry disabled, and with the one fix its pgvector store needs
 * to start at all in 2.4.x: `PGVector`'s constructor begins `initialize()` and `Memory` then calls it again on the
 * same pg Client, which throws "Client has already been connected" (mem0ai/mem0#4727). As upstream's fix does
 * (mem0ai/mem0#4758), the second call waits for the first. Inserts and searches run unmodified.
 */
export function loadMem0(): Mem0Module {
  // Read by mem0 when the module loads; without it every call posts an event to PostHog.
  process.env.MEM0_TELEMETRY = 'false';
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  loader._load = function load(request: string, parent: unknown, isMain: boolean) {
    if (isUnusedProvider(request)) return standIn(request);
    return original.call(this, request, parent, isMain);
  };
  let mem0: Mem0Module;
  try {
    mem0 = createRequire(import.meta.url)('mem0ai/oss') as Mem0Module;
  } finally {
    loader._load = original;
  }
  type Initializable = { initialize(): Promise<void>; benchInitOnce?: Promise<void> };
  const prototype = mem0.PGVector.prototype as unknown as Initializable;
  const initialize = prototype.initialize;
  if (!initialize.name.startsWith('initializeOnce')) {
    prototype.initialize = function initializeOnce(this: Initializable) {
      this.benchInitOnce ??= initialize.call(this);
      return this.benchInitOnce;
    };
  }
  return mem0;
}
