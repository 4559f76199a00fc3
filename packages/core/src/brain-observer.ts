import type { Span } from '@opentelemetry/api';
import type { HookBus } from './hooks/hook-bus.js';
import type { ForgetEvent, HookEventBase, RetainOperation } from './hooks/hook-events.js';
import type { RetainOutcome, RetainReport } from './retain/retain-pipeline.js';
import { inOperationSpan, metricLabels, type OperationName } from './telemetry/operation-span.js';
import { setBankAttributes } from './telemetry/span-attributes.js';
import { instruments } from './telemetry/telemetry-instruments.js';
import type {
  AstrocyteContext,
  ForgetResult,
  PiiType,
  RecallOptions,
  RecallResult,
  ReflectOptions,
  ReflectResult,
} from './types.js';
import { resolveBanks } from './validation.js';

/** Receives what a forget or a purge erased in one bank, once it is erased. */
export type ErasureReport = (bankId: string, memoryIds: string[], skipped: ForgetEvent['skipped']) => void;

/** What the observer reports to: the store's backend name, the brain's hooks and clock. */
export interface ObserverParts {
  backend: string;
  hooks: HookBus;
  /** Whether hook events carry memory text, queries and forget reasons (`hooks.include_text`). */
  includeText: boolean;
  now: () => Date;
}

type Erasure = { bankId: string; memoryIds: string[]; skipped: ForgetEvent['skipped'] };

/**
 * Reports each Brain operation: a span with its counts, the duration and memory counters, and, once the operation
 * has returned its result, the hook events. Nothing here reads memory text into telemetry; only hook events carry
 * text, and only with `includeText`.
 */
export class BrainObserver {
  constructor(private readonly parts: ObserverParts) {}

  /** Runs a retain, retainMany or retainConversation; `run` hands its report to the pipeline. */
  async retain<T>(
    operation: RetainOperation,
    options: { bankId?: unknown; context?: AstrocyteContext } | undefined,
    run: (report: RetainReport) => Promise<T>,
  ): Promise<T> {
    let outcomes: RetainOutcome[] = [];
    const value = await this.inSpan(operation, options, async (span) => {
      const value = await run((reported) => {
        outcomes = reported;
      });
      this.countRetained(span, operation, outcomes);
      return value;
    });
    this.emitRetained(operation, options?.context, outcomes);
    return value;
  }

  /** Runs a recall. */
  async recall(query: string, options: RecallOptions, run: () => Promise<RecallResult>): Promise<RecallResult> {
    const result = await this.inSpan('recall', options, async (span) => {
      const result = await run();
      if (span.isRecording()) {
        span.setAttribute('astrocyte.hit_count', result.hits.length);
        span.setAttribute('astrocyte.total_available', result.totalAvailable);
      }
      return result;
    });
    const { hooks, includeText } = this.parts;
    if (hooks.listening('recall')) {
      hooks.emit('recall', {
        ...this.eventBase(options.context),
        bankIds: resolveBanks(options),
        hits: result.hits.map((hit) => ({
          memoryId: hit.memoryId,
          bankId: hit.bankId,
          score: hit.score,
          ...(includeText ? { text: hit.text } : {}),
        })),
        totalAvailable: result.totalAvailable,
        ...(includeText ? { query } : {}),
      });
    }
    return result;
  }

  /** Runs a reflect; its recall reports itself, as a child span and a recall event. */
  reflect(options: ReflectOptions, run: () => Promise<ReflectResult>): Promise<ReflectResult> {
    return this.inSpan('reflect', options, async (span) => {
      const result = await run();
      if (span.isRecording()) {
        span.setAttribute('astrocyte.source_count', result.sources.length);
        span.setAttribute('astrocyte.reflect.mode', result.mode);
      }
      return result;
    });
  }

  /** Runs a forget; `run` reports what it erased. */
  async forget(
    bankId: string,
    options: { reason?: unknown; context?: AstrocyteContext } | undefined,
    run: (report: ErasureReport) => Promise<ForgetResult>,
  ): Promise<ForgetResult> {
    const erasures: Erasure[] = [];
    const result = await this.inSpan('forget', { bankId }, async (span) => {
      const result = await run((bank, memoryIds, skipped) => erasures.push({ bankId: bank, memoryIds, skipped }));
      this.countForgotten(span, 'forget', result.deletedCount);
      if (span.isRecording()) span.setAttribute('astrocyte.skipped_count', result.skipped?.length ?? 0);
      return result;
    });
    const reason = this.parts.includeText && typeof options?.reason === 'string' ? options.reason : undefined;
    this.emitForgotten('forget', options?.context, erasures, reason);
    return result;
  }

  /** Runs a purge of expired memories; `run` reports each bank's erasure. */
  async purgeExpired(run: (report: ErasureReport) => Promise<number>): Promise<number> {
    const erasures: Erasure[] = [];
    const total = await this.inSpan('purge_expired', undefined, async (span) => {
      const total = await run((bankId, memoryIds, skipped) => erasures.push({ bankId, memoryIds, skipped }));
      this.countForgotten(span, 'purge_expired', total);
      return total;
    });
    this.emitForgotten(
      'purge_expired',
      undefined,
      erasures.filter((e) => e.memoryIds.length > 0),
    );
    return total;
  }

  private inSpan<T>(
    operation: OperationName,
    banks: { bankId?: unknown; bankIds?: unknown } | undefined,
    run: (span: Span) => Promise<T>,
  ): Promise<T> {
    return inOperationSpan({ operation, backend: this.parts.backend }, (span) => {
      if (banks && span.isRecording()) setBankAttributes(span, banks);
      return run(span);
    });
  }

  private countRetained(span: Span, operation: RetainOperation, outcomes: RetainOutcome[]): void {
    let stored = 0;
    let deduplicated = 0;
    let redacted = 0;
    let rejected = 0;
    const types = new Set<PiiType>();
    for (const { result, rejection } of outcomes) {
      if (result.stored) stored++;
      if (result.deduplicated) deduplicated++;
      if (rejection) rejected++;
      if (result.redacted?.length) {
        redacted++;
        for (const type of result.redacted) types.add(type);
      }
    }
    const counters = instruments();
    const labels = metricLabels({ operation, backend: this.parts.backend });
    if (stored > 0) counters.stored.add(stored, labels);
    if (deduplicated > 0) counters.deduplicated.add(deduplicated, labels);
    if (redacted > 0) counters.redacted.add(redacted, labels);
    if (rejected > 0) counters.rejected.add(rejected, labels);
    if (!span.isRecording()) return;
    span.setAttribute('astrocyte.stored_count', stored);
    span.setAttribute('astrocyte.deduplicated', deduplicated > 0);
    span.setAttribute('astrocyte.deduplicated_count', deduplicated);
    span.setAttribute('astrocyte.rejected_count', rejected);
    span.setAttribute('astrocyte.redacted_count', redacted);
    if (types.size > 0) span.setAttribute('astrocyte.pii.redacted_types', [...types].sort());
  }

  private countForgotten(span: Span, operation: OperationName, count: number): void {
    if (count > 0) instruments().forgotten.add(count, metricLabels({ operation, backend: this.parts.backend }));
    if (span.isRecording()) span.setAttribute('astrocyte.deleted_count', count);
  }

  private emitRetained(
    operation: RetainOperation,
    context: AstrocyteContext | undefined,
    outcomes: RetainOutcome[],
  ): void {
    const { hooks, includeText } = this.parts;
    if (!(hooks.listening('retain') || hooks.listening('reject') || hooks.listening('redact'))) return;
    const base = this.eventBase(context);
    for (const { index, result, bankId, text, rejection } of outcomes) {
      if (rejection) {
        hooks.emit('reject', { ...base, operation, bankId, index, reason: result.reason ?? '', ...rejection });
        continue;
      }
      const memoryId = result.memoryId as string;
      const redacted = result.redacted ?? [];
      hooks.emit('retain', {
        ...base,
        operation,
        bankId,
        memoryId,
        ...(result.chunkIds ? { chunkIds: result.chunkIds } : {}),
        deduplicated: result.deduplicated,
        index,
        redacted,
        ...(includeText && text !== null ? { text } : {}),
      });
      if (redacted.length > 0)
        hooks.emit('redact', { ...base, operation, bankId, memoryId, index, piiTypes: redacted });
    }
  }

  private emitForgotten(
    operation: ForgetEvent['operation'],
    context: AstrocyteContext | undefined,
    erasures: Erasure[],
    reason?: string,
  ): void {
    const { hooks } = this.parts;
    if (!hooks.listening('forget')) return;
    const base = this.eventBase(context);
    for (const erasure of erasures)
      hooks.emit('forget', { ...base, operation, ...erasure, ...(reason ? { reason } : {}) });
  }

  private eventBase(context: AstrocyteContext | undefined): HookEventBase {
    return {
      ...(typeof context?.actor === 'string' && context.actor !== '' ? { actor: context.actor } : {}),
      ...(typeof context?.requestId === 'string' ? { requestId: context.requestId } : {}),
      at: this.parts.now(),
    };
  }
}
