import { type Memory, type MemoryVersion, type Page, ValidationError } from '@astrocyte/core';
import type { ExpiredOptions } from '@astrocyte/core/backend';
import { type ChainMember, MEMORY_COLUMNS, type MemorySelector, type StoreListOptions } from '@astrocyte/core/backend';
import type { SqliteConnection } from './connection.js';
import { filterSql } from './filter-sql.js';
import { decodeCursor, encodeCursor, type MemoryRow, toMemory, toVersion, type VersionRow } from './memory-rows.js';
import { chainMembers } from './supersession-chains.js';

/** The MemoryStore's reads of rows and history by bank: lookups, listing, selectors, chains, expiry and counts. */
export class MemoryReads {
  private readonly connection: SqliteConnection;

  constructor(connection: SqliteConnection) {
    this.connection = connection;
  }

  /** The live memory of the bank with this content hash. */
  async findByHash(bankId: string, contentHash: string): Promise<string | null> {
    this.connection.assertOpen();
    const row = (await this.connection.read('findByHash', () =>
      this.connection.stmt('SELECT id FROM memories WHERE bank_id = ? AND content_hash = ?').get(bankId, contentHash),
    )) as { id: string } | undefined;
    return row?.id ?? null;
  }

  /** Live memories of one bank by id, in the order asked, in one query. */
  async get(bankId: string, ids: string[]): Promise<Memory[]> {
    this.connection.assertOpen();
    if (ids.length === 0) return [];
    const rows = (await this.connection.read('get', () =>
      this.connection
        .stmt(
          // Driven from the id list through the unique id index: `m.id IN (...)` let the planner walk the whole bank.
          `SELECT ${MEMORY_COLUMNS} FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE m.bank_id = ?`,
        )
        .all(JSON.stringify(ids), bankId),
    )) as MemoryRow[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return [...new Set(ids)].flatMap((id) => {
      const row = byId.get(id);
      return row ? [toMemory(row)] : [];
    });
  }

  /** Oldest first by (createdAt, id), filtered by tags and path; the cursor is the last row's sort key. */
  async list(bankId: string, options: StoreListOptions): Promise<Page<Memory>> {
    this.connection.assertOpen();
    const after = options.cursor ? decodeCursor(options.cursor) : null;
    const limit = Math.max(1, Math.floor(options.limit));
    const f = filterSql({
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.pathPrefix ? { pathPrefix: options.pathPrefix } : {}),
    });
    const rows = (await this.connection.read('list', () =>
      this.connection
        .stmt(
          `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.bank_id = @bank${f.where}
           ${after ? 'AND (m.created_at > @afterAt OR (m.created_at = @afterAt AND m.id > @afterId))' : ''}
           ORDER BY m.created_at, m.id LIMIT @limit`,
        )
        .all({
          ...f.params,
          bank: bankId,
          limit: limit + 1,
          ...(after ? { afterAt: after.createdAt, afterId: after.id } : {}),
        }),
    )) as MemoryRow[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toMemory),
      nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  /** Live memories of the bank matching exactly one selector shape, oldest first. */
  async select(bankId: string, selector: MemorySelector): Promise<Memory[]> {
    this.connection.assertOpen();
    const base = `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.bank_id = @bank`;
    const order = 'ORDER BY m.created_at, m.id';
    const rows = (await this.connection.read('select', () => {
      const stmt = (sql: string) => this.connection.stmt(sql);
      if (selector.ids)
        return stmt(
          `SELECT ${MEMORY_COLUMNS} FROM json_each(@ids) j CROSS JOIN memories m ON m.id = j.value
           WHERE m.bank_id = @bank ${order}`,
        ).all({
          bank: bankId,
          ids: JSON.stringify([...new Set(selector.ids)]),
        });
      if (selector.tags) {
        return stmt(`${base}${filterSql({ tags: selector.tags }).where} ${order}`).all({
          bank: bankId,
          tags: JSON.stringify([...new Set(selector.tags)]),
        });
      }
      if (selector.before)
        return stmt(`${base} AND m.created_at < @before ${order}`).all({
          bank: bankId,
          before: selector.before.getTime(),
        });
      if (selector.expiredAt) {
        return stmt(`${base} AND m.expires_at IS NOT NULL AND m.expires_at <= @at ${order}`).all({
          bank: bankId,
          at: selector.expiredAt.getTime(),
        });
      }
      if (selector.documentIds) {
        return stmt(`${base} AND m.document_id IN (SELECT value FROM json_each(@documents)) ${order}`).all({
          bank: bankId,
          documents: JSON.stringify([...new Set(selector.documentIds)]),
        });
      }
      if (selector.all === true) return stmt(`${base} ${order}`).all({ bank: bankId });
      throw new ValidationError('selector', 'give one of ids, tags, before, all or expiredAt');
    })) as MemoryRow[];
    return rows.map(toMemory);
  }

  /** Live memories and superseded ones linked by supersession to those the selector matches. */
  async chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]> {
    this.connection.assertOpen();
    return this.connection.read('chains', () => chainMembers(this.connection.statements, bankId, selector));
  }

  /**
   * Live memories of any bank whose expiry is at or before `now`, soonest expired first; with a floor, only those
   * created at or before it.
   */
  async expired(now: Date, limit: number, options: ExpiredOptions = {}): Promise<{ bankId: string; id: string }[]> {
    this.connection.assertOpen();
    const floor = options.createdAtOrBefore?.getTime() ?? null;
    const rows = (await this.connection.read('expired', () =>
      this.connection
        .stmt(
          `SELECT bank_id, id FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ?
            AND (? IS NULL OR created_at <= ?) ORDER BY expires_at LIMIT ?`,
        )
        .all(now.getTime(), floor, floor, Math.max(0, Math.floor(limit))),
    )) as { bank_id: string; id: string }[];
    return rows.map((r) => ({ bankId: r.bank_id, id: r.id }));
  }

  /** Every version of one memory of the bank, oldest first. */
  async history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    this.connection.assertOpen();
    const rows = (await this.connection.read('history', () =>
      this.connection
        .stmt('SELECT * FROM memory_versions WHERE bank_id = ? AND memory_id = ? ORDER BY version')
        .all(bankId, memoryId),
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  /** Banks with live memories and their counts, by bank id. */
  async banks(): Promise<{ bankId: string; memoryCount: number }[]> {
    this.connection.assertOpen();
    const rows = (await this.connection.read('banks', () =>
      this.connection.stmt('SELECT bank_id, count(*) AS n FROM memories GROUP BY bank_id ORDER BY bank_id').all(),
    )) as { bank_id: string; n: number }[];
    return rows.map((r) => ({ bankId: r.bank_id, memoryCount: r.n }));
  }
}
