import type { PiiType } from '../types.js';

/** The retain methods an event can come from. */
export type RetainOperation = 'retain' | 'retain_many' | 'retain_conversation';

/** What every hook event carries. */
export interface HookEventBase {
  /** `context.actor` of the call, as the caller gave it; absent when none was given. */
  actor?: string;
  /** `context.requestId` of the call. */
  requestId?: string;
  /** When the event was emitted, by the brain's clock; the operation has committed by then. */
  at: Date;
}

/** A memory was stored, or found already in memory (`deduplicated`). One event per retained item. */
export interface RetainEvent extends HookEventBase {
  operation: RetainOperation;
  /** Where the memory is: the bank asked for, or the one a rule routed it to. */
  bankId: string;
  /** The memory's id; for a duplicate, the id of the memory already stored. */
  memoryId: string;
  /** For a long text stored in chunks: every chunk's id, in order. */
  chunkIds?: string[];
  deduplicated: boolean;
  /** The position of the item in the call's input: 0 for `retain`, the item's or turn's index otherwise. */
  index: number;
  /** PII types the barrier redacted. */
  redacted: PiiType[];
  /** The text as stored (after redaction); only with `hooks.include_text`. */
  text?: string;
}

/** Governance refused to store an item (a rule, or PII whose action is `reject`). No text, ever. */
export interface RejectEvent extends HookEventBase {
  operation: RetainOperation;
  /** The bank the call asked for. */
  bankId: string;
  index: number;
  /** Why, in governance's words: rule reasons and PII type names, never the refused value. */
  reason: string;
  /** PII types found in the refused item. */
  piiTypes: PiiType[];
  /** The rules that applied. */
  rules: string[];
}

/** The PII barrier redacted a memory before storing it. One event per redacted item, after its retain event. */
export interface RedactEvent extends HookEventBase {
  operation: RetainOperation;
  bankId: string;
  memoryId: string;
  index: number;
  piiTypes: PiiType[];
}

/** A recall returned memories (also the recall inside `reflect`). */
export interface RecallEvent extends HookEventBase {
  /** The banks searched. */
  bankIds: string[];
  /** The hits returned, best first; their text only with `hooks.include_text`. */
  hits: { memoryId: string; bankId: string; score: number; text?: string }[];
  /** How many memories matched before `maxResults` cut the list. */
  totalAvailable: number;
  /** The query; only with `hooks.include_text`. */
  query?: string;
}

/** Memories were erased, by `forget` or by `purgeExpired` (one event per bank, without an actor). */
export interface ForgetEvent extends HookEventBase {
  operation: 'forget' | 'purge_expired';
  bankId: string;
  /** The ids erased (a memory and every memory it replaced). */
  memoryIds: string[];
  /** Memories the forget policy kept, and why (legal hold, minimum age). */
  skipped: { memoryId: string; reason: string }[];
  /** The reason given to `forget`; only with `hooks.include_text`, since it is the caller's free text. */
  reason?: string;
}

/** Every hook event, by name. */
export interface HookEvents {
  retain: RetainEvent;
  reject: RejectEvent;
  redact: RedactEvent;
  recall: RecallEvent;
  forget: ForgetEvent;
}

/** The events `brain.on` accepts. */
export type HookEventName = keyof HookEvents;

/** A listener of one event; a returned promise is not awaited, and its rejection is reported like a throw. */
export type HookListener<E extends HookEventName> = (event: HookEvents[E]) => void | Promise<void>;

/** Where a listener's failure is reported; see `hooks.onListenerError`. */
export type ListenerErrorHandler = (error: unknown, event: { name: HookEventName }) => void;
