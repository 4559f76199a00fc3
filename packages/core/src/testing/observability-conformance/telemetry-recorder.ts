import { type Attributes, context, metrics, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach } from 'vitest';

/** A finished span, as a test reads it. */
export interface RecordedSpan {
  name: string;
  spanId: string;
  traceId: string;
  /** The parent's span id; undefined for a root span. */
  parentSpanId: string | undefined;
  attributes: Attributes;
  failed: boolean;
  statusMessage: string | undefined;
  events: { name: string; attributes: Attributes }[];
}

/** One data point of a metric, as a test reads it: a counter's sum, or a histogram's count and sum. */
export interface RecordedPoint {
  name: string;
  unit: string;
  attributes: Attributes;
  value: number;
  /** For a histogram: how many values were recorded. */
  count?: number;
}

/** What the OpenTelemetry SDK recorded since the last test began. */
export interface TelemetryRecorder {
  spans(): Promise<RecordedSpan[]>;
  /** The metric points recorded since the last call (or since the test began). */
  points(): Promise<RecordedPoint[]>;
}

/**
 * Registers the OpenTelemetry SDK as an application would (an async-local-storage context manager, a tracer
 * provider with an in-memory exporter, a meter provider with a reader collected on demand, delta temporality) for
 * the enclosing suite, clears what was recorded before each test, and unregisters after the suite. The SDK packages
 * are loaded here, when a suite runs, so that the testing kit needs them only where this suite is used.
 */
export function telemetryRecorder(): TelemetryRecorder {
  let recorder: (TelemetryRecorder & { clear(): Promise<void>; stop(): Promise<void> }) | undefined;
  beforeAll(async () => {
    recorder = await startRecorder();
  });
  beforeEach(async () => {
    await recorder?.clear();
  });
  afterAll(async () => {
    await recorder?.stop();
  });
  const running = () => {
    if (!recorder) throw new Error('the telemetry recorder runs only inside its suite');
    return recorder;
  };
  return { spans: () => running().spans(), points: () => running().points() };
}

async function startRecorder() {
  const [{ AsyncLocalStorageContextManager }, traceSdk, metricsSdk] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-metrics'),
  ]);
  const exporter = new traceSdk.InMemorySpanExporter();
  const tracerProvider = new traceSdk.BasicTracerProvider({
    spanProcessors: [new traceSdk.SimpleSpanProcessor(exporter)],
  });
  class OnDemandReader extends metricsSdk.MetricReader {
    protected async onShutdown(): Promise<void> {}
    protected async onForceFlush(): Promise<void> {}
  }
  const reader = new OnDemandReader({
    aggregationTemporalitySelector: () => metricsSdk.AggregationTemporality.DELTA,
  });
  const meterProvider = new metricsSdk.MeterProvider({ readers: [reader] });
  const registered = [
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()),
    trace.setGlobalTracerProvider(tracerProvider),
    metrics.setGlobalMeterProvider(meterProvider),
  ];
  if (registered.includes(false)) throw new Error('another OpenTelemetry SDK is registered in this test process');

  const points = async (): Promise<RecordedPoint[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
    return resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.flatMap((metric) =>
        (metric.dataPoints as { attributes: Attributes; value: unknown }[]).map((point) => {
          const value = point.value as number | { count: number; sum?: number };
          return {
            name: metric.descriptor.name,
            unit: metric.descriptor.unit,
            attributes: point.attributes,
            ...(typeof value === 'number' ? { value } : { value: value.sum ?? 0, count: value.count }),
          };
        }),
      ),
    );
  };
  return {
    async spans(): Promise<RecordedSpan[]> {
      await tracerProvider.forceFlush();
      return exporter.getFinishedSpans().map((span) => ({
        name: span.name,
        spanId: span.spanContext().spanId,
        traceId: span.spanContext().traceId,
        parentSpanId: span.parentSpanContext?.spanId,
        attributes: span.attributes,
        failed: span.status.code === SpanStatusCode.ERROR,
        statusMessage: span.status.message,
        events: span.events.map((event) => ({ name: event.name, attributes: event.attributes ?? {} })),
      }));
    },
    points,
    async clear() {
      await tracerProvider.forceFlush();
      exporter.reset();
      await points();
    },
    async stop() {
      trace.disable();
      metrics.disable();
      context.disable();
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
