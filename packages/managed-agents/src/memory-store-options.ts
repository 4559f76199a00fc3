import {
  type AstrocyteContext,
  astrocyteContextSchema,
  checkBankId,
  ValidationError,
  zodProblem,
} from '@astrocyte/core';
import { z } from 'zod';
import { checkStorePrefix, defaultPushPrefix, type MemoryFileLayout } from './memory-file-layout.js';

/** Where a push or diff goes: which bank into which store, under which prefix and layout. */
export interface PushBankOptions {
  /** The bank whose live memories are pushed. */
  bankId: string;
  /** The memory store (`memstore_...`) that receives them. */
  memoryStoreId: string;
  /** The store folder the bank's files live under (default `/<bankId>/`); keep it the same from push to push. */
  pathPrefix?: string;
  /** `nested` (default): a memory's file goes under its path, else its first tag; `flat`: all side by side. */
  layout?: MemoryFileLayout;
  /** How many requests a push keeps in flight (default 4). */
  concurrency?: number;
  /**
   * Passed to every read of the bank: with access configured, `principal` (and `onBehalfOf`) needs `read` on it, and
   * a denial throws AccessDeniedError before the store is asked anything.
   */
  context?: AstrocyteContext;
  /** Sees the push's progress: each phase's done and total counts. */
  onProgress?: (progress: SyncProgress) => void;
}

/** How far a push or pull has got in one of its phases. */
export interface SyncProgress {
  phase: 'write' | 'redact' | 'pull';
  done: number;
  total: number;
}

/** What a pull reads from which store into which bank. */
export interface PullStoreOptions {
  /** The memory store (`memstore_...`) read. */
  memoryStoreId: string;
  /** The bank the memories enter, through the whole retain pipeline. */
  bankId: string;
  /** Only memories below this store folder (default `/`, the whole store). */
  pathPrefix?: string;
  /** Only what this session (`sesn_...`) wrote or changed, as the store's versions record it. */
  sinceSession?: string;
  /** Tags every pulled memory gets. */
  tags?: string[];
  /**
   * Passed to every operation on the bank (actor, request id, principal): with access configured, the principal
   * needs `read` and `write` on it, and a denial throws AccessDeniedError before the store is asked anything.
   */
  context?: AstrocyteContext;
  /** Sees the pull's progress. */
  onProgress?: (progress: SyncProgress) => void;
}

/** A push's options after validation, with defaults applied. */
export interface PushTarget {
  bankId: string;
  memoryStoreId: string;
  prefix: string;
  layout: MemoryFileLayout;
  concurrency: number;
  /** The context as parsed, its principals in full form. */
  context: AstrocyteContext | undefined;
  onProgress: ((progress: SyncProgress) => void) | undefined;
}

const storeId = z.string().min(1, 'must be a memory store id (memstore_...)');

const pushSchema = z.strictObject({
  bankId: z.string(),
  memoryStoreId: storeId,
  pathPrefix: z.string().optional(),
  layout: z.enum(['nested', 'flat']).default('nested'),
  concurrency: z.number().int().min(1).max(32).default(4),
  context: astrocyteContextSchema.optional(),
  onProgress: z.function().optional(),
});

const pullSchema = z.strictObject({
  memoryStoreId: storeId,
  bankId: z.string(),
  pathPrefix: z.string().optional(),
  sinceSession: z.string().min(1, 'must be a session id (sesn_...)').optional(),
  tags: z.array(z.string()).optional(),
  context: astrocyteContextSchema.optional(),
  onProgress: z.function().optional(),
});

/** Validates the options of a push or diff; a bad field throws ValidationError naming it. */
export function parsePushOptions(options: unknown, caller: string): PushTarget {
  const data = parse(pushSchema, options, caller);
  const bankId = checkBankId(data.bankId);
  const given = options as PushBankOptions;
  return {
    bankId,
    memoryStoreId: data.memoryStoreId,
    prefix: checkStorePrefix(data.pathPrefix ?? defaultPushPrefix(bankId)),
    layout: data.layout,
    concurrency: data.concurrency,
    context: data.context,
    onProgress: given.onProgress,
  };
}

/** Validates the options of a pull; a bad field throws ValidationError naming it. */
export function parsePullOptions(options: unknown): PullStoreOptions & { pathPrefix: string } {
  const data = parse(pullSchema, options, 'pullMemoryStoreToBank');
  checkBankId(data.bankId);
  // zod copies objects; hand back the caller's own callback, and the context as parsed (its principals in full form).
  return {
    ...(options as PullStoreOptions),
    pathPrefix: checkStorePrefix(data.pathPrefix ?? '/'),
    ...(data.context ? { context: data.context } : {}),
  };
}

function parse<T extends z.ZodType>(schema: T, options: unknown, caller: string): z.infer<T> {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError('options', `${caller} (@astrocyte/managed-agents) needs an options object`);
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const problem = zodProblem(parsed.error, options, schema);
    throw new ValidationError(problem.field || 'options', `${problem.message} (${caller}, @astrocyte/managed-agents)`);
  }
  return parsed.data;
}
