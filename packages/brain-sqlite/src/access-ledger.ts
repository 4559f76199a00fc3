import type { AuditEntry, JsonObject, Page, StoreAccessLedger, StoreAuditQuery } from '@astrocyte/core';
import { checkCounterArguments, decodeAuditCursor, encodeAuditCursor } from '@astrocyte/core/backend';
import type { SqliteConnection } from './connection.js';

/** A row of `access_audit`: instants as epoch milliseconds, details as JSON text. */
interface AuditRow {
  id: number;
  at: number;
  principal: string | null;
  on_behalf_of: string | null;
  action: string;
  bank_id: string | null;
  permission: AuditEntry['permission'];
  outcome: AuditEntry['outcome'];
  details: string;
}

/**
 * Access control's counters (`access_counters`) and audit log (`access_audit`) in the store's file. Each change is
 * one IMMEDIATE transaction, which holds the file's write lock: connections and processes sharing the file count
 * exactly.
 */
export class SqliteAccessLedger implements StoreAccessLedger {
  constructor(private readonly connection: SqliteConnection) {}

  /** Drops the key's expired windows and adds to this one's counter, in one transaction. */
  async addToCounter(key: string, windowStart: Date, amount: number, expireBefore: Date): Promise<number> {
    checkCounterArguments(key, windowStart, amount, expireBefore);
    this.connection.assertOpen();
    // Not synced on its own: every rate-limited operation counts (a recall too; 2.1 ms a recall here with the count
    // synced, 1.5 without), and a power cut that loses the last counts only lets a caller a few more in that window.
    return this.connection.writeAtOnce(
      'addToCounter',
      () => {
        this.connection
          .stmt('DELETE FROM access_counters WHERE key = ? AND window_start < ?')
          .run(key, expireBefore.getTime());
        return this.connection
          .stmt(
            `INSERT INTO access_counters (key, window_start, total) VALUES (?, ?, ?)
             ON CONFLICT (key, window_start) DO UPDATE SET total = total + excluded.total RETURNING total`,
          )
          .pluck()
          .get(key, windowStart.getTime(), amount) as number;
      },
      { sync: false },
    );
  }

  /** Inserts the entry; its id comes from AUTOINCREMENT, so ids only grow. */
  async appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    this.connection.assertOpen();
    await this.connection.writeAtOnce('appendAudit', () =>
      this.connection
        .stmt(
          `INSERT INTO access_audit (at, principal, on_behalf_of, action, bank_id, permission, outcome, details)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          entry.at.getTime(),
          entry.principal,
          entry.onBehalfOf,
          entry.action,
          entry.bankId,
          entry.permission,
          entry.outcome,
          JSON.stringify(entry.details),
        ),
    );
  }

  /** Newest first by id; the cursor holds the id of the last entry returned. */
  async listAudit(query: StoreAuditQuery): Promise<Page<AuditEntry>> {
    this.connection.assertOpen();
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit + 1 };
    const match = (condition: string, name: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(condition);
      params[name] = value;
    };
    match('id < @before', 'before', query.cursor === undefined ? undefined : Number(decodeAuditCursor(query.cursor)));
    match('bank_id = @bank', 'bank', query.bankId);
    match('principal = @principal', 'principal', query.principal);
    match('at >= @since', 'since', query.since?.getTime());
    const rows = (await this.connection.read('listAudit', () =>
      this.connection
        .stmt(
          `SELECT * FROM access_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY id DESC LIMIT @limit`,
        )
        .all(params),
    )) as AuditRow[];
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toAuditEntry),
      nextCursor: rows.length > page.length && last ? encodeAuditCursor(String(last.id)) : null,
    };
  }
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: String(row.id),
    at: new Date(row.at),
    principal: row.principal,
    onBehalfOf: row.on_behalf_of,
    action: row.action,
    bankId: row.bank_id,
    permission: row.permission,
    outcome: row.outcome,
    details: JSON.parse(row.details) as JsonObject,
  };
}
