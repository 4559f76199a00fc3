import { describe } from 'vitest';
import type { StoreFactory } from '../store-factory.js';
import { describeHookEvents } from './hook-events.js';
import { describeNoTextInTelemetry } from './no-text-in-telemetry.js';
import { describeOperationMetrics } from './operation-metrics.js';
import { describeOperationSpans } from './operation-spans.js';
import { telemetryRecorder } from './telemetry-recorder.js';

/**
 * Spans, metrics and hook events of a brain over the backend's store. Registers the OpenTelemetry SDK for its tests
 * (a test file runs one such suite at a time), so it needs `@opentelemetry/sdk-trace-base`, `@opentelemetry/sdk-metrics`
 * and `@opentelemetry/context-async-hooks` installed. Run it in a backend's tests with
 * `describeObservabilityConformance('sqlite', { create: () => openSqliteStore({ path: ':memory:' }) })`.
 */
export function describeObservabilityConformance(name: string, factory: StoreFactory): void {
  describe(`Observability conformance: ${name}`, () => {
    const recorder = telemetryRecorder();
    describeOperationSpans(factory, recorder);
    describeOperationMetrics(factory, recorder);
    describeNoTextInTelemetry(factory, recorder);
    describeHookEvents(factory);
  });
}
