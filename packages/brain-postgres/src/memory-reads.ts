import type { Memory, MemoryVersion, Page } from '@astrocyte/core';
import type { ExpiredOptions } from '@astrocyte/core/backend';
import { type ChainMember, MEMORY_COLUMNS, type MemorySelector, type StoreListOptions } from '@astrocyte/core/backend';
import type { PostgresConnection } from './connection.js';
import { filterConditions, instant, Params } from './filter-sql.js';
import { decodeCursor, encodeCursor, type MemoryRow, toMemory, toVersion, type VersionRow } from './memory-rows.js';
import type { StoreSql } from './schema.js';
import { chainMembers } from './supersession-chains.js';

/** The MemoryStore's reads of rows and history by bank: lookups, listing, selectors, chains, expiry and counts. */
export class MemoryReads {
  constructor(
    private readonly db: PostgresConnection,
    private readonly sql: StoreSql,
  ) {}

  /** The live memory of the bank with this content hash. */
  async findByHash(bankId: string, contentHash: string): Promise<string | null> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM ${this.sql.memories} WHERE bank_id = $1 AND content_hash = $2`,
      [bankId, contentHash],
    );
    return rows[0]?.id ?? null;
  }

  /** Live memories of one bank by id, in the order asked, in one query. */
  async get(bankId: string, ids: string[]): Promise<Memory[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM ${this.sql.memories} m WHERE m.bank_id = $1 AND m.id = ANY($2::text[])`,
      [bankId, ids],
    );
    const byId = new Map(rows.map((r) => [r.id, toMemory(r)]));
    return [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
  }

  /** A page of a bank's live memories in insertion order, with an opaque cursor. */
  async list(bankId: string, options: StoreListOptions): Promise<Page<Memory>> {
    const params = new Params();
    const where = [
      `m.bank_id = ${params.add(bankId)}`,
      ...filterConditions({ tags: options.tags, pathPrefix: options.pathPrefix }, params),
    ];
    if (options.cursor !== undefined) where.push(`m.seq > ${params.add(decodeCursor(options.cursor))}::bigint`);
    const { rows } = await this.db.query<MemoryRow & { seq: string }>(
      `SELECT ${MEMORY_COLUMNS}, m.seq FROM ${this.sql.memories} m WHERE ${where.join(' AND ')} ORDER BY m.seq LIMIT ${params.add(options.limit + 1)}`,
      params.values,
    );
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(toMemory),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.seq) : null,
    };
  }

  /** Live memories of a bank matching the selector: ids, else tags, else before, else expiredAt, else documentIds, else all. */
  async select(bankId: string, selector: MemorySelector): Promise<Memory[]> {
    const params = new Params();
    const where = [`m.bank_id = ${params.add(bankId)}`];
    if (selector.ids) where.push(`m.id = ANY(${params.add(selector.ids)}::text[])`);
    else if (selector.tags) where.push(`m.tags && ${params.add(selector.tags)}::text[]`);
    else if (selector.before) where.push(`m.created_at < ${params.add(selector.before)}`);
    else if (selector.expiredAt) where.push(`m.expires_at <= ${params.add(selector.expiredAt)}`);
    else if (selector.documentIds) where.push(`m.document_id = ANY(${params.add(selector.documentIds)}::text[])`);
    else if (selector.all !== true) return [];
    const { rows } = await this.db.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM ${this.sql.memories} m WHERE ${where.join(' AND ')} ORDER BY m.seq`,
      params.values,
    );
    return rows.map(toMemory);
  }

  /** Live memories of any bank whose expiry is at or before `now`; with a floor, only those created at or before it. */
  async expired(now: Date, limit: number, options: ExpiredOptions = {}): Promise<{ bankId: string; id: string }[]> {
    const { rows } = await this.db.query<{ bank_id: string; id: string }>(
      `SELECT bank_id, id FROM ${this.sql.memories} WHERE expires_at <= $1
         AND ($3::timestamptz IS NULL OR created_at <= $3) ORDER BY expires_at LIMIT $2`,
      [instant(now), limit, instant(options.createdAtOrBefore)],
    );
    return rows.map((r) => ({ bankId: r.bank_id, id: r.id }));
  }

  /** A memory's versions, oldest first. */
  async history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT memory_id, bank_id, version, action, text, actor, reason, related_id, at FROM ${this.sql.versions}
        WHERE bank_id = $1 AND memory_id = $2 ORDER BY version`,
      [bankId, memoryId],
    );
    return rows.map(toVersion);
  }

  /** Every bank with live memories and its count. */
  async banks(): Promise<{ bankId: string; memoryCount: number }[]> {
    const { rows } = await this.db.query<{ bank_id: string; count: string }>(
      `SELECT bank_id, count(*) AS count FROM ${this.sql.memories} GROUP BY bank_id ORDER BY bank_id`,
    );
    return rows.map((r) => ({ bankId: r.bank_id, memoryCount: Number(r.count) }));
  }

  /** Live memories and superseded ones linked by supersession to those the selector matches; see MemoryStore.chains. */
  async chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]> {
    this.db.assertOpen();
    return this.db.guard(() => chainMembers(this.db.pool, this.sql, bankId, selector));
  }
}
