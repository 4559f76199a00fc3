import { AstrocyteError, httpStatus } from '@astrocyte/core';

/** The memory store API refused a request of a push, pull or diff; `status` is the HTTP status, if any. */
export class MemoryStoreRequestError extends AstrocyteError {
  readonly memoryStoreId: string;
  readonly status: number | undefined;

  constructor(memoryStoreId: string, what: string, cause: unknown) {
    const status = httpStatus(cause);
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('memory_store_request_failed', `memory store ${memoryStoreId}: could not ${what}: ${reason}`, {
      cause,
      details: { memoryStoreId, ...(status !== undefined ? { status } : {}) },
    });
    this.memoryStoreId = memoryStoreId;
    this.status = status;
  }
}

/** A write to a memory store kept conflicting (HTTP 409) after re-reading the memory and retrying. */
export class MemoryStoreConflictError extends AstrocyteError {
  constructor(memoryStoreId: string, path: string, attempts: number, cause: unknown) {
    super(
      'memory_store_conflict',
      `memory store ${memoryStoreId}: the write of ${path} still conflicted after ${attempts} re-reads; another writer keeps changing it, run the push again once it is done`,
      { cause, details: { memoryStoreId, path, attempts } },
    );
  }
}

/** The kinds of 409 the memory API answers, from the error's body. */
export type ConflictKind = 'precondition' | 'path';

/** Which 409 an SDK error is, if it is one; `conflictingMemoryId` is set for a path conflict when the API names it. */
export function conflictOf(error: unknown): { kind: ConflictKind; conflictingMemoryId?: string } | null {
  if (httpStatus(error) !== 409) return null;
  const body = (error as { error?: { error?: { type?: unknown; conflicting_memory_id?: unknown } } }).error?.error;
  if (body?.type === 'memory_path_conflict_error') {
    const id = body.conflicting_memory_id;
    return { kind: 'path', ...(typeof id === 'string' && id !== '' ? { conflictingMemoryId: id } : {}) };
  }
  // memory_precondition_failed_error, or a plain conflict_error: either way, re-read and decide again.
  return { kind: 'precondition' };
}
