import { ValidationError } from '@astrocyte/core';
import {
  checkMemoryLimits,
  checkNotHeld,
  checkSameEmbedder,
  checkSuperseded,
  checkVector,
  type EmbedderInfo,
  type EraseOptions,
  type InsertOptions,
  type InsertOutcome,
  limitedBanks,
  type MemoryRecord,
  mayRepeat,
  mergeDuplicate,
  nearChecked,
  replacedPlace,
  TimeSlicer,
  type VersionStamp,
} from '@astrocyte/core/backend';
import type Database from 'better-sqlite3';
import type { CandidateIndex } from './candidate-index/candidate-index.js';
import type { IndexJournal } from './candidate-index/index-journal.js';
import { writeSketchRow } from './candidate-index/sketch-rows.js';
import { runSliced } from './candidate-index/steps.js';
import { sketchVector, type VectorSketch } from './candidate-index/vector-sketch.js';
import type { SqliteConnection } from './connection.js';
import type { KeywordIndex } from './keyword-index.js';
import type { MemoryRow } from './memory-rows.js';
import { readEmbedder } from './schema.js';
import { eraseChainContent, supersededAmong } from './supersession-chains.js';
import { vectorBlob } from './vector-blobs.js';

// What taking a memory out of the live tables needs to know of it.
const LIVE_ROW_COLUMNS = 'm.seq, m.id, m.bank_id, m.text';
type LiveRow = { seq: number; id: string; bank_id: string; text: string };

/**
 * Every write of the store: insert (exact and near-duplicate checks, supersession, episodes) and erase (rows,
 * vectors, keyword entries, tags, the text and tags in history down the supersession chain, tombstones). Each runs in
 * one write transaction of the connection; the keyword index and the candidate index (through its journal) follow it.
 */
export class MemoryWriter {
  private readonly connection: SqliteConnection;
  private readonly keywords: KeywordIndex;
  private readonly index: CandidateIndex;
  private readonly journal: IndexJournal;

  constructor(connection: SqliteConnection, keywords: KeywordIndex, index: CandidateIndex, journal: IndexJournal) {
    this.connection = connection;
    this.keywords = keywords;
    this.index = index;
    this.journal = journal;
  }

  /**
   * Stores records in one IMMEDIATE transaction, each checked against the bank and the batch's earlier records. A
   * large batch gives the event loop turns between records (TimeSlicer) without ending the transaction.
   */
  async insert(records: MemoryRecord[], options: InsertOptions, embedder: EmbedderInfo): Promise<InsertOutcome[]> {
    const threshold = options?.nearDuplicateThreshold ?? null;
    if (threshold !== null && !(typeof threshold === 'number' && threshold > 0 && threshold <= 1)) {
      throw new ValidationError('nearDuplicateThreshold', 'must be null or a number in (0, 1]');
    }
    for (const [i, record] of records.entries())
      checkVector(record.embedding, embedder.dimensions, `records[${i}].embedding`);
    const limits = limitedBanks(records, options);
    const slicer = new TimeSlicer();
    const sketches: VectorSketch[] = [];
    for (const record of records) {
      sketches.push(sketchVector(record.embedding, threshold !== null && nearChecked(record)));
      await slicer.tick();
    }
    return this.connection.write('insert', async (tick) => {
      // Inside the write lock: a re-embedding (of any process) may have switched the store to another model since
      // these vectors were computed.
      checkSameEmbedder(readEmbedder(this.connection.statements) ?? embedder, embedder);
      // Load the banks a near-duplicate check reads before the first insert, so that a bank's index never holds a row
      // this transaction wrote without the journal knowing it. A bank whose records are all turns or chunks is left as
      // it is: the first transcript call of a process into a large bank would wait for its whole index (0.8 s at
      // 100,000 memories), which a later load reads, this call's rows included, once they are committed.
      if (threshold !== null)
        for (const bankId of new Set(records.filter(nearChecked).map((r) => r.bankId)))
          await runSliced(this.index.load(bankId), tick);
      // Counted inside the write lock, so that no other writer can fill the bank between the count and the commit.
      const before = this.liveCounts(limits);
      const outcomes: InsertOutcome[] = [];
      for (const [i, record] of records.entries()) {
        // Only a record the check reads needs the LSH tables: a bank that only takes turns and chunks never builds them.
        if (threshold !== null && nearChecked(record))
          await runSliced(this.index.bank(record.bankId).prepareNearDuplicates(), tick);
        outcomes.push(this.insertOne(record, sketches[i] as VectorSketch, threshold, options));
        await tick();
      }
      checkMemoryLimits(limits, before, this.liveCounts(limits));
      return outcomes;
    });
  }

  /**
   * Deletes rows, vectors, index terms and tags, nulls every stored copy of the text and tags in history (down the
   * supersession chain) and writes tombstones; returns the ids erased.
   */
  erase(bankId: string, ids: string[], stamp: VersionStamp, options?: EraseOptions): Promise<string[]> {
    return this.connection.write('erase', () => {
      const unique = JSON.stringify([...new Set(ids)]);
      const rows = this.stmt(
        `SELECT ${LIVE_ROW_COLUMNS}, m.tags FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE m.bank_id = ?`,
      ).all(unique, bankId) as (LiveRow & { tags: string })[];
      checkNotHeld(
        rows.map((row) => ({ id: row.id, tags: JSON.parse(row.tags) as string[] })),
        options,
      );
      // Chosen before anything is erased: erasing a memory empties the ones it replaced, which may be named too.
      const superseded = supersededAmong(this.connection.statements, bankId, JSON.parse(unique) as string[]);
      for (const row of rows) this.removeLive(row);
      const targets = [...rows.map((row) => row.id), ...superseded];
      for (const id of targets) {
        eraseChainContent(this.connection.statements, bankId, id);
        this.addVersion(id, bankId, stamp, null, null);
      }
      return targets;
    });
  }

  private insertOne(
    record: MemoryRecord,
    sketch: VectorSketch,
    threshold: number | null,
    options: InsertOptions,
  ): InsertOutcome {
    const exact = this.stmt('SELECT id FROM memories WHERE bank_id = ? AND content_hash = ?').get(
      record.bankId,
      record.contentHash,
    ) as { id: string } | undefined;
    // The memory being superseded is not a duplicate of its correction, which is usually worded almost alike.
    if (exact && exact.id !== record.supersedes) return this.duplicate(record, exact.id, 'exact', 1, options);
    if (threshold !== null && nearChecked(record)) {
      const near = this.index.nearDuplicate(record.bankId, record.embedding, sketch, threshold, record.supersedes);
      if (near && sameFact(record, near.row)) return this.duplicate(record, near.id, 'near', near.similarity, options);
    }
    const place = record.supersedes === null ? undefined : this.supersede(record, options);
    const position = record.episodeId === null ? null : (place ?? this.appendPosition(record.bankId, record.episodeId));
    const { lastInsertRowid } = this.stmt(
      `INSERT INTO memories (id, bank_id, text, content_hash, tags, metadata, path, created_at, occurred_at, expires_at,
                             speaker, episode_id, episode_position, document_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      record.id,
      record.bankId,
      record.text,
      record.contentHash,
      JSON.stringify(record.tags),
      JSON.stringify(record.metadata),
      record.path,
      record.createdAt.getTime(),
      record.occurredAt?.getTime() ?? null,
      record.expiresAt?.getTime() ?? null,
      record.speaker,
      record.episodeId,
      position,
      record.documentId,
    );
    const seq = BigInt(lastInsertRowid);
    const addTag = this.stmt('INSERT OR IGNORE INTO memory_tags (seq, bank_id, tag) VALUES (?, ?, ?)');
    for (const tag of record.tags) addTag.run(seq, record.bankId, tag);
    this.keywords.added(Number(seq));
    const moment = (record.occurredAt ?? record.createdAt).getTime();
    const expiresAt = record.expiresAt?.getTime() ?? null;
    // The one stored copy of the float vector: exact scores of every search come from it.
    this.stmt('INSERT INTO memory_embeddings (seq, embedding) VALUES (?, ?)').run(seq, vectorBlob(record.embedding));
    writeSketchRow(this.connection.statements, seq, record.bankId, moment, expiresAt, sketch);
    this.journal.added(record.bankId, Number(seq), moment, expiresAt, sketch);
    for (const stamp of record.versions) this.addVersion(record.id, record.bankId, stamp, record.text, null);
    return { status: 'stored', id: record.id };
  }

  // The position a row appended to the episode takes; the episode's last row, about to gain it as a neighbour, leaves
  // the keyword index until the commit.
  private appendPosition(bankId: string, episodeId: string): number {
    const last = this.stmt(
      `SELECT seq, episode_position FROM memories WHERE bank_id = ? AND episode_id = ?
       ORDER BY episode_position DESC, seq DESC LIMIT 1`,
    ).get(bankId, episodeId) as { seq: number; episode_position: number | null } | undefined;
    if (!last) return 0;
    this.keywords.gainingNeighbour(last.seq);
    return (last.episode_position ?? -1) + 1;
  }

  // The rows of each limited bank in `memories`, which holds live memories only; nothing is read without limits.
  private liveCounts(limits: Map<string, number>): Map<string, number> {
    const count = this.stmt('SELECT count(*) FROM memories WHERE bank_id = ?').pluck();
    return new Map([...limits.keys()].map((bankId) => [bankId, count.get(bankId) as number]));
  }

  // A duplicate brings its new tags to the memory it repeats, so a repeated retain never loses them; a correction
  // that repeats a memory replaces the corrected one with it.
  private duplicate(
    record: MemoryRecord,
    duplicateOf: string,
    match: 'exact' | 'near',
    similarity: number,
    options: InsertOptions,
  ): InsertOutcome {
    if (record.supersedes !== null) this.supersede({ ...record, id: duplicateOf }, options);
    const row = this.stmt('SELECT seq, tags, expires_at FROM memories WHERE bank_id = ? AND id = ?').get(
      record.bankId,
      duplicateOf,
    ) as { seq: number; tags: string; expires_at: number | null } | undefined;
    if (!row) return { status: 'duplicate', duplicateOf, match, similarity, addedTags: [] };
    const tags = JSON.parse(row.tags) as string[];
    const expiresAt = row.expires_at === null ? null : new Date(row.expires_at);
    const merged = mergeDuplicate({ tags, expiresAt }, record, duplicateOf, options);
    if (merged.addedTags.length > 0 || merged.expiryMoved) {
      const expiry = merged.expiresAt?.getTime() ?? null;
      this.stmt('UPDATE memories SET tags = ?, expires_at = ? WHERE seq = ?').run(
        JSON.stringify([...tags, ...merged.addedTags]),
        expiry,
        row.seq,
      );
      const addTag = this.stmt('INSERT OR IGNORE INTO memory_tags (seq, bank_id, tag) VALUES (?, ?, ?)');
      for (const tag of merged.addedTags) addTag.run(row.seq, record.bankId, tag);
      if (merged.expiryMoved) {
        this.stmt('UPDATE memory_sketches SET expires_at = ? WHERE seq = ?').run(expiry, row.seq);
        this.journal.expiryMoved(record.bankId, row.seq, expiry);
      }
    }
    return { status: 'duplicate', duplicateOf, match, similarity, ...merged.outcome };
  }

  // Takes the superseded memory, and the rest of its document, out of every live table; their history keeps the
  // text and tags until it is erased. Returns the first place they held in the record's episode (a corrected turn's),
  // which the record takes; undefined when they held none. Their neighbours' entries, taken out with them, are written
  // again before the commit with the record as a neighbour.
  private supersede(record: MemoryRecord, options: InsertOptions): number | undefined {
    type Replaced = LiveRow & {
      tags: string;
      document_id: string | null;
      episode_id: string | null;
      episode_position: number | null;
    };
    const columns = `${LIVE_ROW_COLUMNS}, m.tags, m.document_id, m.episode_id, m.episode_position`;
    const target = this.stmt(`SELECT ${columns} FROM memories m WHERE m.bank_id = ? AND m.id = ?`).get(
      record.bankId,
      record.supersedes,
    ) as Replaced | undefined;
    // The memory that replaces them (a duplicate the correction repeats) stays, even when it is a chunk of theirs.
    const rest = target?.document_id
      ? (this.stmt(
          `SELECT ${columns} FROM memories m WHERE m.bank_id = ? AND m.document_id = ? AND m.id NOT IN (?, ?)`,
        ).all(record.bankId, target.document_id, target.id, record.id) as Replaced[])
      : [];
    const replaced = target ? [target, ...rest] : [];
    checkSuperseded(
      record,
      replaced.map((row) => ({ id: row.id, tags: JSON.parse(row.tags) as string[] })),
      options,
    );
    const { actor, reason } = record.versions[0] ?? {};
    for (const old of replaced) {
      this.addVersion(
        old.id,
        record.bankId,
        { action: 'supersede', at: record.createdAt, ...(actor ? { actor } : {}), ...(reason ? { reason } : {}) },
        old.text,
        old === target ? record.id : (target as Replaced).id,
        old.tags,
        old.document_id,
      );
      this.removeLive(old);
    }
    return replacedPlace(
      record,
      replaced.map((row) => ({ episodeId: row.episode_id, position: row.episode_position })),
    );
  }

  private removeLive(row: LiveRow): void {
    const seq = BigInt(row.seq);
    this.keywords.removing(row.seq);
    this.stmt('DELETE FROM memory_sketches WHERE seq = ?').run(seq);
    this.stmt('DELETE FROM memory_embeddings WHERE seq = ?').run(seq);
    this.stmt('DELETE FROM memory_reembed WHERE seq = ?').run(seq);
    this.stmt('DELETE FROM memory_tags WHERE seq = ?').run(seq);
    this.stmt('DELETE FROM memories WHERE seq = ?').run(seq);
    this.journal.removed(row.bank_id, row.seq);
  }

  private addVersion(
    memoryId: string,
    bankId: string,
    stamp: VersionStamp,
    text: string | null,
    relatedId: string | null,
    tags: string | null = null,
    documentId: string | null = null,
  ): void {
    this.stmt(
      `INSERT INTO memory_versions
         (memory_id, bank_id, version, action, text, tags, actor, reason, related_id, document_id, at)
       VALUES (@memoryId, @bankId, (SELECT COALESCE(MAX(version), 0) + 1 FROM memory_versions WHERE memory_id = @memoryId),
               @action, @text, @tags, @actor, @reason, @relatedId, @documentId, @at)`,
    ).run({
      memoryId,
      bankId,
      action: stamp.action,
      text,
      tags,
      actor: stamp.actor ?? null,
      reason: stamp.reason ?? null,
      relatedId,
      documentId,
      at: stamp.at.getTime(),
    });
  }

  private stmt(sql: string): Database.Statement {
    return this.connection.stmt(sql);
  }
}

// A near match is a duplicate only of the same moment, and when the record says nothing it does not (mayRepeat): the
// same words at another time are another event. `near` is its row as the near-duplicate check read it.
function sameFact(record: MemoryRecord, near: MemoryRow): boolean {
  if (!mayRepeat(record.text, near.text)) return false;
  return record.occurredAt === null || near.occurred_at === record.occurredAt.getTime();
}
