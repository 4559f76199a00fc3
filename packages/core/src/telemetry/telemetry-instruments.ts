import { type Counter, type Histogram, type Meter, metrics, type Tracer, trace } from '@opentelemetry/api';

/** The instrumentation scope of every span and metric Astrocyte reports. */
export const TELEMETRY_SCOPE = '@astrocyte/core';

/** The tracer and metric instruments Astrocyte reports through. */
export interface Instruments {
  tracer: Tracer;
  /** `astrocyte.operation.duration`: seconds per Brain operation. */
  duration: Histogram;
  stored: Counter;
  deduplicated: Counter;
  redacted: Counter;
  rejected: Counter;
  forgotten: Counter;
}

// Bucket bounds in seconds: a local retain takes about a millisecond, a reflect with an LLM several seconds.
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

let cached: { tracerProvider: unknown; meterProvider: unknown; instruments: Instruments } | undefined;

/**
 * The instruments of the providers registered now: the API's no-ops until the application registers an SDK. The
 * API hands out a meter of the no-op provider, not a proxy, when none is registered yet, so the instruments are
 * rebuilt whenever the registered providers change rather than created once at import.
 */
export function instruments(): Instruments {
  const tracerProvider = trace.getTracerProvider();
  const meterProvider = metrics.getMeterProvider();
  if (cached?.tracerProvider === tracerProvider && cached.meterProvider === meterProvider) return cached.instruments;
  const meter = meterProvider.getMeter(TELEMETRY_SCOPE);
  cached = {
    tracerProvider,
    meterProvider,
    instruments: {
      tracer: tracerProvider.getTracer(TELEMETRY_SCOPE),
      duration: meter.createHistogram('astrocyte.operation.duration', {
        description: 'How long a Brain operation took, from call to result or error',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      }),
      stored: memoryCounter(meter, 'stored', 'Memories stored by retain'),
      deduplicated: memoryCounter(meter, 'deduplicated', 'Retained memories found already in memory, not stored again'),
      redacted: memoryCounter(meter, 'redacted', 'Retained memories in which the PII barrier redacted something'),
      rejected: memoryCounter(meter, 'rejected', 'Retained memories that governance refused to store'),
      forgotten: memoryCounter(meter, 'forgotten', 'Memories erased by forget or by expiry'),
    },
  };
  return cached.instruments;
}

function memoryCounter(meter: Meter, what: string, description: string): Counter {
  return meter.createCounter(`astrocyte.memories.${what}`, { description, unit: '{memory}' });
}
