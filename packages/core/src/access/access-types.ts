import type { JsonObject } from '../types.js';

/** What a grant allows on a bank; `admin` includes the other three. */
export type Permission = 'read' | 'write' | 'forget' | 'admin';

/** The permissions in the order they are documented. */
export const PERMISSIONS = ['read', 'write', 'forget', 'admin'] as const satisfies readonly Permission[];

/**
 * Lets `principal` do `permissions` on the banks `banks` matches. Patterns take `*` (any run of characters) and the
 * placeholder `{bank}`, which stands for the bank's id in both fields: `{ principal: 'user:{bank}', banks: '{bank}' }`
 * lets each user act on the bank named after them.
 */
export interface Grant {
  principal: string;
  banks: string;
  permissions: Permission[];
}

/** Limits on each bank `banks` matches (each bank counted on its own). */
export interface Quota {
  banks: string;
  /** Live memories the bank may hold; a retain that would store more is refused with QuotaExceededError. */
  maxMemories?: number;
  /** Bytes of content (UTF-8) retained into the bank per UTC day. */
  maxBytesPerDay?: number;
}

/**
 * Operations per minute, counted per principal (each principal `principal` matches on its own) or per bank (each
 * bank `banks` matches on its own); a rule naming both counts each principal on each bank.
 */
export interface RateLimit {
  principal?: string;
  banks?: string;
  operationsPerMinute: number;
}

/** `AstrocyteOptions.access`: grants, quotas and rate limits; with it, every operation is denied unless granted. */
export interface AccessOptions {
  grants: Grant[];
  quotas?: Quota[];
  rateLimits?: RateLimit[];
}

/** One recorded access event: who did what to which bank, and when; never memory text, queries or reasons. */
export interface AuditEntry {
  /** Assigned by the store; increasing in the order entries were recorded. */
  id: string;
  at: Date;
  /** Null when the operation named no principal. */
  principal: string | null;
  onBehalfOf: string | null;
  /** The operation: `retain`, `recall`, `forget`, `forget_all`, `purge_expired`, `compact`, `reembed`, `audit`, … */
  action: string;
  /** Null for operations on the whole store. */
  bankId: string | null;
  /** The permission the operation needed. */
  permission: Permission;
  outcome: 'allowed' | 'denied' | 'rate_limited' | 'quota_exceeded';
  /** Counts, memory ids and the like; never content. */
  details: JsonObject;
}

/** What `brain.audit()` lists, newest first. */
export interface AuditQuery {
  bankId?: string;
  principal?: string;
  /** Entries recorded at or after this time. */
  since?: Date | string;
  cursor?: string;
  /** 1 to 1000, default 100. */
  limit?: number;
}
