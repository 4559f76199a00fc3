import { groupBy, type KeywordFields, keywordFields, spacedLetterPairs } from '@astrocyte/core/backend';
import type Database from 'better-sqlite3';
import type { Tick, TransactionFollower } from './connection.js';
import type { StatementCache } from './statement-cache.js';

interface IndexedRow {
  seq: number;
  text: string;
  speaker: string | null;
  occurred_at: number | null;
  created_at: number;
  bank_id: string;
  episode_id: string | null;
  episode_position: number | null;
}

type Neighbour = { seq: number; text: string };

// Pending entries read and written together: their rows and the rows around them in one read per episode.
const ENTRIES_PER_READ = 256;

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

  /** Before a row is appended to an episode: `seq`, the episode's last row, is about to gain a neighbour. */
  gainingNeighbour(seq: number): void {
    this.takeOut(seq);
  }

  /** A row just inserted; it is indexed before the commit. */
  added(seq: number): void {
    this.pending.add(seq);
  }

  /** Before a row is deleted: its entry and its neighbours' go, and the neighbours come back without it. */
  removing(seq: number): void {
    const [row] = this.rows([seq]);
    if (!row) return;
    // An episode's run around the row holds the row itself.
    for (const { seq: out } of inEpisode(row) ? this.episodeRun(row, row) : [row]) this.takeOut(out);
  }

  /** Writes the entry of every row taken out or added that is still there, giving the event loop turns (`tick`). */
  async beforeCommit(tick: Tick): Promise<void> {
    const insert = this.stmt('INSERT INTO memory_fts (rowid, text, date, context) VALUES (?, ?, ?, ?)');
    const seqs = [...this.pending];
    for (let at = 0; at < seqs.length; at += ENTRIES_PER_READ) {
      for (const [seq, fields] of this.entries(seqs.slice(at, at + ENTRIES_PER_READ))) {
        const indexed = indexedFields(fields);
        insert.run(seq, indexed.text, indexed.date, indexed.context);
        await tick();
      }
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
    const fields = this.entries([seq]).get(seq);
    if (!fields) return;
    this.deleteEntry(seq, indexedFields(fields));
    this.pending.add(seq);
  }

  /**
   * Rewrites the entries of these rows, written before schema 13 with their runs of Chinese, Japanese, Korean and
   * Thai as written (keywordFields as they are), as the index holds them now: the upgrade's step for the rows whose
   * entry holds such text.
   */
  writeLetterPairs(seqs: number[]): void {
    const insert = this.stmt('INSERT INTO memory_fts (rowid, text, date, context) VALUES (?, ?, ?, ?)');
    for (let at = 0; at < seqs.length; at += ENTRIES_PER_READ) {
      for (const [seq, fields] of this.entries(seqs.slice(at, at + ENTRIES_PER_READ))) {
        this.deleteEntry(seq, fields);
        const indexed = indexedFields(fields);
        insert.run(seq, indexed.text, indexed.date, indexed.context);
      }
    }
  }

  // Deletes a row's entry, given the values it was indexed with.
  private deleteEntry(seq: number, fields: KeywordFields): void {
    this.stmt("INSERT INTO memory_fts (memory_fts, rowid, text, date, context) VALUES ('delete', ?, ?, ?, ?)").run(
      seq,
      fields.text,
      fields.date,
      fields.context,
    );
  }

  // The entries of the rows still there among `seqs`: one read of the rows, then per episode one of the live rows
  // from its first to its last of them, and the live rows just before and after those.
  private entries(seqs: number[]): Map<number, KeywordFields> {
    const rows = this.rows(seqs);
    const entries = new Map<number, KeywordFields>();
    const episodes = groupBy(rows.filter(inEpisode), (row) => JSON.stringify([row.bank_id, row.episode_id]));
    for (const row of rows) if (!inEpisode(row)) entries.set(row.seq, fieldsOf(row, []));
    for (const members of episodes.values()) {
      members.sort(byPlace);
      const run = this.episodeRun(members[0] as IndexedRow, members.at(-1) as IndexedRow);
      const at = new Map(run.map((row, i) => [row.seq, i]));
      for (const row of members) {
        const i = at.get(row.seq) as number;
        const neighbours = [run[i - 1], run[i + 1]].flatMap((n) => (n ? [n.text] : []));
        entries.set(row.seq, fieldsOf(row, neighbours));
      }
    }
    return entries;
  }

  // The live rows of an episode from `first` to `last` (in episode order), with the one just before and after.
  private episodeRun(first: IndexedRow, last: IndexedRow): Neighbour[] {
    const params = {
      bank: first.bank_id,
      episode: first.episode_id,
      from: first.episode_position,
      to: last.episode_position,
    };
    const between = this.stmt(
      `SELECT seq, text FROM memories WHERE bank_id = @bank AND episode_id = @episode
       AND episode_position BETWEEN @from AND @to ORDER BY episode_position, seq`,
    ).all(params) as Neighbour[];
    const before = this.stmt(
      `SELECT seq, text FROM memories WHERE bank_id = @bank AND episode_id = @episode AND episode_position < @from
       ORDER BY episode_position DESC, seq DESC LIMIT 1`,
    ).get(params) as Neighbour | undefined;
    const after = this.stmt(
      `SELECT seq, text FROM memories WHERE bank_id = @bank AND episode_id = @episode AND episode_position > @to
       ORDER BY episode_position, seq LIMIT 1`,
    ).get(params) as Neighbour | undefined;
    return [...(before ? [before] : []), ...between, ...(after ? [after] : [])];
  }

  private rows(seqs: number[]): IndexedRow[] {
    return this.stmt(
      `SELECT seq, text, speaker, occurred_at, created_at, bank_id, episode_id, episode_position FROM memories
       WHERE seq IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(seqs)) as IndexedRow[];
  }

  private stmt(sql: string): Database.Statement {
    return this.statements.prepare(sql);
  }
}

/**
 * The values an entry is indexed with: its keyword fields with each run of Chinese, Japanese, Korean or Thai as the
 * letter pairs core's words read it as (unicode61 reads a clause of Chinese as one word, never equal to a query's
 * word). Other text as written, so that English entries and their ranking stay what they were.
 */
function indexedFields(fields: KeywordFields): KeywordFields {
  return {
    text: spacedLetterPairs(fields.text),
    date: spacedLetterPairs(fields.date),
    context: spacedLetterPairs(fields.context),
  };
}

function fieldsOf(row: IndexedRow, neighbours: string[]): KeywordFields {
  return keywordFields(
    {
      text: row.text,
      speaker: row.speaker,
      occurredAt: row.occurred_at === null ? null : new Date(row.occurred_at),
      createdAt: new Date(row.created_at),
    },
    neighbours,
  );
}

// A row placed in an episode has neighbours; one without a position (none is written so) has none.
function inEpisode(row: IndexedRow): boolean {
  return row.episode_id !== null && row.episode_position !== null;
}

// Episode order: by position, then by row.
function byPlace(a: IndexedRow, b: IndexedRow): number {
  return (a.episode_position as number) - (b.episode_position as number) || a.seq - b.seq;
}
