import { type KeywordFields, keywordFields } from '@astrocyte/core/backend';
import type Database from 'better-sqlite3';
import type { Tick, TransactionFollower } from './connection.js';
import type { StatementCache } from './statement-cache.js';

interface IndexedRow {
  text: string;
  speaker: string | null;
  occurred_at: number | null;
  created_at: number;
  bank_id: string;
  episode_id: string | null;
  episode_position: number | null;
}

type Neighbour = { seq: number; text: string };

/**
 * Keeps the keyword index in step with `memories` within one write transaction. An entry holds a memory's text
 * (after its speaker's name), date in words and its live episode neighbours' text, so it is rewritten whenever a neighbour arrives or
 * leaves. Invariant: every entry is what keywordFields gives for the rows as they are. A contentless FTS5 table
 * deletes an entry only when given the values it indexed, so an entry is taken out before its neighbours change,
 * while they still give those values, and written again before the commit. 'secure-delete' makes the
 * removed terms leave the index at once: a forgotten turn's words stay in no neighbour's entry.
 */
export class KeywordIndex implements TransactionFollower {
  private readonly statements: StatementCache;
  // Rows whose entry is out of the index until it is written again before the commit.
  private readonly pending = new Set<number>();

  constructor(statements: StatementCache) {
    this.statements = statements;
  }

  /** Before a row is appended to an episode: the episode's last row is about to gain a neighbour. */
  appending(bankId: string, episodeId: string): void {
    const last = this.stmt(
      `SELECT seq FROM memories WHERE bank_id = ? AND episode_id = ? ORDER BY episode_position DESC, seq DESC LIMIT 1`,
    )
      .pluck()
      .get(bankId, episodeId) as number | undefined;
    if (last !== undefined) this.takeOut(last);
  }

  /** A row just inserted; it is indexed before the commit. */
  added(seq: number): void {
    this.pending.add(seq);
  }

  /** Before a row is deleted: its entry and its neighbours' go, and the neighbours come back without it. */
  removing(seq: number): void {
    const row = this.row(seq);
    if (!row) return;
    for (const neighbour of this.neighbours(row, seq)) this.takeOut(neighbour.seq);
    this.takeOut(seq);
  }

  /** Writes the entry of every row taken out or added that is still there, giving the event loop turns (`tick`). */
  async beforeCommit(tick: Tick): Promise<void> {
    const insert = this.stmt('INSERT INTO memory_fts (rowid, text, date, context) VALUES (?, ?, ?, ?)');
    for (const seq of this.pending) {
      const fields = this.fields(seq);
      if (fields) insert.run(seq, fields.text, fields.date, fields.context);
      await tick();
    }
    this.pending.clear();
  }

  /** Forgets what was pending, for a transaction that rolled back. */
  rolledBack(): void {
    this.pending.clear();
  }

  // Deletes a row's entry, replaying the values it was indexed with (those of the rows as they are now).
  private takeOut(seq: number): void {
    if (this.pending.has(seq)) return;
    const fields = this.fields(seq);
    if (!fields) return;
    this.stmt("INSERT INTO memory_fts (memory_fts, rowid, text, date, context) VALUES ('delete', ?, ?, ?, ?)").run(
      seq,
      fields.text,
      fields.date,
      fields.context,
    );
    this.pending.add(seq);
  }

  private fields(seq: number): KeywordFields | null {
    const row = this.row(seq);
    if (!row) return null;
    return keywordFields(
      {
        text: row.text,
        speaker: row.speaker,
        occurredAt: row.occurred_at === null ? null : new Date(row.occurred_at),
        createdAt: new Date(row.created_at),
      },
      this.neighbours(row, seq).map((n) => n.text),
    );
  }

  private row(seq: number): IndexedRow | undefined {
    return this.stmt(
      'SELECT text, speaker, occurred_at, created_at, bank_id, episode_id, episode_position FROM memories WHERE seq = ?',
    ).get(seq) as IndexedRow | undefined;
  }

  // The live rows just before and after a row in its episode, previous first.
  private neighbours(row: IndexedRow, seq: number): Neighbour[] {
    if (row.episode_id === null) return [];
    const params = { bank: row.bank_id, episode: row.episode_id, position: row.episode_position, seq };
    const before = this.stmt(
      `SELECT seq, text FROM memories WHERE bank_id = @bank AND episode_id = @episode AND episode_position <= @position
       AND seq != @seq ORDER BY episode_position DESC, seq DESC LIMIT 1`,
    ).get(params) as Neighbour | undefined;
    const after = this.stmt(
      `SELECT seq, text FROM memories WHERE bank_id = @bank AND episode_id = @episode AND episode_position > @position
       ORDER BY episode_position, seq LIMIT 1`,
    ).get(params) as Neighbour | undefined;
    return [before, after].filter((n): n is Neighbour => n !== undefined);
  }

  private stmt(sql: string): Database.Statement {
    return this.statements.prepare(sql);
  }
}
