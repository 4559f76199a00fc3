import type { Span } from '@opentelemetry/api';
import type { Embedder } from '../embedders/embedder.js';
import type { LLM } from '../llm/llm.js';
import type { MemoryStore } from '../memory-store.js';
import { snakeCase } from '../text.js';
import { recordError } from './span-attributes.js';
import { instruments } from './telemetry-instruments.js';

/** How one method call is traced: its span name, and attributes read from its arguments (never their text). */
interface TracedMethod {
  name: string;
  describe?: (span: Span, args: unknown[]) => void;
}

const traced = new WeakSet<object>();

/**
 * The store, with each call of its methods (`insert`, `vectorSearch`, ...) a child span `astrocyte.store.<method>`
 * (snake_case) of the operation that made it, and each call of its access ledger's a span
 * `astrocyte.store.access_ledger.<method>`. Fields, the prototype and `instanceof` are the store's own.
 */
export function traceStore<S extends MemoryStore>(store: S): S {
  const describe = (span: Span) => span.setAttribute('astrocyte.backend', store.backend);
  const methodsNamed = (prefix: string) => (method: string) =>
    OBJECT_METHODS.has(method) ? undefined : { name: `${prefix}.${snakeCase(method)}`, describe };
  return traceMethods(store, methodsNamed('astrocyte.store'), {
    accessLedger: (ledger) => traceMethods(ledger, methodsNamed('astrocyte.store.access_ledger')),
  });
}

/** The embedder, with each `embed` call a span `astrocyte.embed`. */
export function traceEmbedder<E extends Embedder>(embedder: E): E {
  return traceMethods(embedder, (method) =>
    method === 'embed'
      ? {
          name: 'astrocyte.embed',
          describe: (span, [texts, options]) => {
            span.setAttribute('astrocyte.embedder', embedder.name);
            span.setAttribute('astrocyte.embed.dimensions', embedder.dimensions);
            if (Array.isArray(texts)) span.setAttribute('astrocyte.embed.input_count', texts.length);
            const purpose = (options as { purpose?: unknown } | undefined)?.purpose;
            if (purpose === 'document' || purpose === 'query') span.setAttribute('astrocyte.embed.purpose', purpose);
          },
        }
      : undefined,
  );
}

/** The LLM, with each `complete` call a span `astrocyte.llm.complete`. */
export function traceLlm<L extends LLM>(llm: L): L {
  return traceMethods(llm, (method) =>
    method === 'complete'
      ? {
          name: 'astrocyte.llm.complete',
          describe: (span, [request]) => {
            span.setAttribute('astrocyte.llm', llm.name);
            const maxTokens = (request as { maxTokens?: unknown } | undefined)?.maxTokens;
            if (typeof maxTokens === 'number') span.setAttribute('astrocyte.llm.max_tokens', maxTokens);
          },
        }
      : undefined,
  );
}

const OBJECT_METHODS = new Set(['constructor', ...Object.getOwnPropertyNames(Object.prototype)]);

// A proxy rather than a wrapper class, so that whatever else the part offers (a backend's own fields and methods,
// the class a test checks with instanceof) stays reachable unchanged. A part is traced once, however often it is
// handed to a brain. `parts` traces the objects some fields hold (read when used, so a replaced one is traced too).
function traceMethods<T extends object>(
  target: T,
  methodOf: (method: string) => TracedMethod | undefined,
  parts: Record<string, <P extends object>(part: P) => P> = {},
): T {
  if (traced.has(target)) return target;
  const wrappers = new Map<string, { original: unknown; wrapper: unknown }>();
  const proxy = new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof property !== 'string') return value;
      const cached = wrappers.get(property);
      if (cached && cached.original === value) return cached.wrapper;
      const wrapper = wrap(object, property, value);
      if (wrapper !== value) wrappers.set(property, { original: value, wrapper });
      return wrapper;
    },
  });
  function wrap(object: T, property: string, value: unknown): unknown {
    const tracePart = Object.hasOwn(parts, property) ? parts[property] : undefined;
    if (tracePart && typeof value === 'object' && value !== null) return tracePart(value);
    const method = typeof value === 'function' ? methodOf(property) : undefined;
    if (!method) return value;
    return (...args: unknown[]) =>
      inChildSpan(method, args, () => (value as (...a: unknown[]) => unknown).apply(object, args));
  }
  traced.add(proxy);
  return proxy;
}

function inChildSpan(method: TracedMethod, args: unknown[], call: () => unknown): unknown {
  return instruments().tracer.startActiveSpan(method.name, (span) => {
    if (span.isRecording()) method.describe?.(span, args);
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      recordError(span, error);
      span.end();
      throw error;
    }
    if (!(result instanceof Promise)) {
      span.end();
      return result;
    }
    return result.then(
      (value: unknown) => {
        if (Array.isArray(value) && span.isRecording()) span.setAttribute('astrocyte.result_count', value.length);
        span.end();
        return value;
      },
      (error: unknown) => {
        recordError(span, error);
        span.end();
        throw error;
      },
    );
  });
}
