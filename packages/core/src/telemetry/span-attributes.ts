import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { AstrocyteError } from '../errors.js';
import { detectPii } from '../governance/pii-detectors.js';
import { resolveBanks } from '../validation.js';

/**
 * Sets `astrocyte.bank_id` (one bank) or `astrocyte.bank_ids` (several) from an operation's raw options. Only valid
 * bank ids in which the PII barrier finds nothing are recorded: a span outlives erasure in the tracing backend, and a
 * bank named after a person's email address would put that address there.
 */
export function setBankAttributes(span: Span, options: { bankId?: unknown; bankIds?: unknown } | undefined): void {
  let banks: string[];
  try {
    banks = resolveBanks((options ?? {}) as { bankId?: string; bankIds?: string[] });
  } catch {
    return;
  }
  const clean = banks.filter((bankId) => detectPii(bankId).length === 0);
  if (clean.length !== banks.length) return;
  if (options?.bankIds === undefined) span.setAttribute('astrocyte.bank_id', clean[0] as string);
  else span.setAttribute('astrocyte.bank_ids', clean);
}

/** An error's stable code for Astrocyte errors, else its class name: never its message, which may quote input. */
export function errorType(error: unknown): string {
  if (AstrocyteError.isInstance(error)) return error.code;
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Marks a span failed with the error's code (`astrocyte.error.code`, `error.type`, and an `exception` event with the
 * type only). The message and stack are left out: messages may quote the input that was refused.
 */
export function recordError(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const type = errorType(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
  span.setAttribute('error.type', type);
  if (AstrocyteError.isInstance(error)) span.setAttribute('astrocyte.error.code', error.code);
  span.addEvent('exception', { 'exception.type': error instanceof Error ? error.name : typeof error });
}
