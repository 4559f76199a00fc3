import type { AuditEntry, JsonObject, Page, StoreAccessLedger, StoreAuditQuery } from '@astrocyte/core';
import { checkCounterArguments, decodeAuditCursor, encodeAuditCursor } from '@astrocyte/core/backend';
import type { PostgresConnection } from './connection.js';
import { instant, Params } from './filter-sql.js';
import type { StoreSql } from './schema.js';

/** A row of `access_audit` as pg returns it: bigint ids as strings, details as parsed jsonb. */
interface AuditRow {
  id: string;
  at: Date;
  principal: string | null;
  on_behalf_of: string | null;
  action: string;
  bank_id: string | null;
  permission: AuditEntry['permission'];
  outcome: AuditEntry['outcome'];
  details: JsonObject;
}

/**
 * Access control's counters (`access_counters`) and audit log (`access_audit`) in the store's schema. A counter is
 * added to by one INSERT ... ON CONFLICT DO UPDATE, which takes the row's lock: connections and processes sharing
 * the schema count exactly.
 */
export class PostgresAccessLedger implements StoreAccessLedger {
  constructor(
    private readonly db: PostgresConnection,
    private readonly sql: StoreSql,
  ) {}

  /** Adds to the window's counter and deletes the key's expired windows, in one statement. */
  async addToCounter(key: string, windowStart: Date, amount: number, expireBefore: Date): Promise<number> {
    checkCounterArguments(key, windowStart, amount, expireBefore);
    const { rows } = await this.db.query<{ total: string }>(
      `WITH expired AS (DELETE FROM ${this.sql.accessCounters} WHERE key = $1 AND window_start < $4)
       INSERT INTO ${this.sql.accessCounters} AS c (key, window_start, total) VALUES ($1, $2, $3)
       ON CONFLICT (key, window_start) DO UPDATE SET total = c.total + excluded.total
       RETURNING total`,
      [key, instant(windowStart), amount, instant(expireBefore)],
    );
    return Number(rows[0]?.total);
  }

  /** Inserts the entry; its id comes from an identity column, so ids only grow. */
  async appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.sql.accessAudit} (at, principal, on_behalf_of, action, bank_id, permission, outcome, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
      [
        instant(entry.at),
        entry.principal,
        entry.onBehalfOf,
        entry.action,
        entry.bankId,
        entry.permission,
        entry.outcome,
        JSON.stringify(entry.details),
      ],
    );
  }

  /** Newest first by id; the cursor holds the id of the last entry returned. */
  async listAudit(query: StoreAuditQuery): Promise<Page<AuditEntry>> {
    const params = new Params();
    const where: string[] = [];
    if (query.cursor !== undefined) where.push(`id < ${params.add(decodeAuditCursor(query.cursor))}::bigint`);
    if (query.bankId !== undefined) where.push(`bank_id = ${params.add(query.bankId)}`);
    if (query.principal !== undefined) where.push(`principal = ${params.add(query.principal)}`);
    if (query.since !== undefined) where.push(`at >= ${params.add(query.since)}`);
    const { rows } = await this.db.query<AuditRow>(
      `SELECT id, at, principal, on_behalf_of, action, bank_id, permission, outcome, details
         FROM ${this.sql.accessAudit} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT ${params.add(query.limit + 1)}`,
      params.values,
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toAuditEntry),
      nextCursor: rows.length > page.length && last ? encodeAuditCursor(last.id) : null,
    };
  }
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    principal: row.principal,
    onBehalfOf: row.on_behalf_of,
    action: row.action,
    bankId: row.bank_id,
    permission: row.permission,
    outcome: row.outcome,
    details: row.details,
  };
}
