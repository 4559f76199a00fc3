import type { Attributes, Span } from '@opentelemetry/api';
import { errorType, recordError } from './span-attributes.js';
import { instruments } from './telemetry-instruments.js';

/** The operations that get a span `astrocyte.<name>` and a duration in `astrocyte.operation.duration`. */
export type OperationName =
  | 'retain'
  | 'retain_many'
  | 'retain_conversation'
  | 'recall'
  | 'reflect'
  | 'forget'
  | 'purge_expired'
  | 'tool';

/** The low-cardinality labels an operation's span and metrics share. */
export interface OperationLabels {
  operation: OperationName;
  /** The store's backend name; unknown to a tool call, whose operation span below it carries it. */
  backend?: string;
  /** For `tool`: the memory tool's name. */
  toolName?: string;
}

// One attribute object per label combination (operations x backends x tools, a few dozen at most), so that an
// operation builds none when no SDK is registered.
const labelCache = new Map<string, Attributes>();

/** The metric attributes of an operation: `astrocyte.operation`, `astrocyte.backend`, `astrocyte.tool.name`. */
export function metricLabels(labels: OperationLabels): Attributes {
  const key = `${labels.operation}\u0000${labels.backend ?? ''}\u0000${labels.toolName ?? ''}`;
  let attributes = labelCache.get(key);
  if (!attributes) {
    attributes = Object.freeze({
      'astrocyte.operation': labels.operation,
      ...(labels.backend !== undefined ? { 'astrocyte.backend': labels.backend } : {}),
      ...(labels.toolName !== undefined ? { 'astrocyte.tool.name': labels.toolName } : {}),
    });
    labelCache.set(key, attributes);
  }
  return attributes;
}

/**
 * Runs `run` as the active span `astrocyte.<operation>`, so that embedding, LLM and store calls become its children,
 * and records the operation's duration; a failure marks the span with the error's code and is rethrown.
 */
export async function inOperationSpan<T>(labels: OperationLabels, run: (span: Span) => Promise<T>): Promise<T> {
  const { tracer, duration } = instruments();
  return tracer.startActiveSpan(`astrocyte.${labels.operation}`, async (span) => {
    const attributes = metricLabels(labels);
    if (span.isRecording()) span.setAttributes(attributes);
    const started = performance.now();
    try {
      const value = await run(span);
      duration.record((performance.now() - started) / 1000, attributes);
      return value;
    } catch (error) {
      recordError(span, error);
      duration.record((performance.now() - started) / 1000, { ...attributes, 'error.type': errorType(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
