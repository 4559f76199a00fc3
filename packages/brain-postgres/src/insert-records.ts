import {
  checkSuperseded,
  type InsertOptions,
  type InsertOutcome,
  type MemoryRecord,
  mayRepeat,
  mergeDuplicate,
  nearChecked,
  replacedPlace,
} from '@astrocyte/core/backend';
import type pg from 'pg';
import {
  type Candidate,
  existingHashes,
  type Match,
  memoryKey,
  type NearMatch,
  nearestLive,
} from './duplicate-lookups.js';
import { appendToEpisodes, type Placement, placeInEpisode } from './episode-append.js';
import { instant } from './filter-sql.js';
import { keywordVectorSql, ownLengthSql, rewriteEpisodeNeighbours, rewriteKeywordEntries } from './keyword-index.js';
import { nextVersionSql, vectorLiteral } from './memory-rows.js';
import type { StoreSql } from './schema.js';

// Records are checked and written in chunks: one round trip per kind of statement instead of per record, while the
// in-chunk comparisons (quadratic) stay cheap.
const CHUNK_SIZE = 128;

/**
 * Inserts records in order inside the caller's transaction, which already holds the locks of their banks. Each
 * record is checked against live rows (including those written by earlier chunks of this call) and the earlier
 * records of its chunk (never against the memory it supersedes): an exact hash match, then the nearest memory at or
 * above the threshold. A duplicate's new tags go to the memory it repeats; a stored record is appended to its
 * episode, whose previous last memory gets it as a neighbour in its keyword entry. `largeBanks` holds the banks known
 * to hold more than EXACT_SCAN_LIMIT live memories (not counted again); the ones found so are added to it.
 */
export async function insertRecords(
  client: pg.PoolClient,
  sql: StoreSql,
  records: MemoryRecord[],
  options: InsertOptions,
  largeBanks: Set<string>,
): Promise<InsertOutcome[]> {
  const outcomes: InsertOutcome[] = new Array(records.length);
  for (const chunk of chunks(records)) await insertChunk(client, sql, chunk, options, outcomes, largeBanks);
  return outcomes;
}

// A record that supersedes another is a chunk of its own: the memory it replaces must leave before later records look.
function* chunks(records: MemoryRecord[]): Generator<Candidate[]> {
  let current: Candidate[] = [];
  for (const [index, record] of records.entries()) {
    const candidate = { record, index, norm: norm(record.embedding) };
    if (record.supersedes !== null) {
      if (current.length > 0) yield current;
      current = [];
      yield [candidate];
      continue;
    }
    current.push(candidate);
    if (current.length >= CHUNK_SIZE) {
      yield current;
      current = [];
    }
  }
  if (current.length > 0) yield current;
}

async function insertChunk(
  client: pg.PoolClient,
  sql: StoreSql,
  chunk: Candidate[],
  options: InsertOptions,
  outcomes: InsertOutcome[],
  largeBanks: Set<string>,
): Promise<void> {
  const threshold = options.nearDuplicateThreshold;
  const { exact, large } = await existingHashes(client, sql, chunk, threshold !== null, largeBanks);
  // A record that repeats a live memory's hash is an exact duplicate whatever its neighbours: no near check for it.
  const unmatched = [...chunk.keys()].filter((i) => {
    const { record } = chunk[i] as Candidate;
    return nearChecked(record) && !exact.has(memoryKey(record.bankId, record.contentHash));
  });
  const nearest =
    threshold === null ? new Map<number, NearMatch>() : await nearestLive(client, sql, chunk, unmatched, large);
  const kept: Candidate[] = [];
  const keptHashes = new Map<string, Match>();
  // What duplicates brought to each memory, stored or kept, as it stands after each: duplicates add up. A hold a
  // duplicate placed removes the expiry, as when a memory is stored with the tag.
  const mergedNow = new Map<string, MergedIntoStored>();
  // Corrections that repeat a memory: the corrected memory is replaced by the one repeated.
  const replacedByDuplicates: MemoryRecord[] = [];
  const duplicate = (candidate: Candidate, of: Match, match: 'exact' | 'near'): void => {
    const { bankId } = candidate.record;
    if (candidate.record.supersedes !== null) replacedByDuplicates.push({ ...candidate.record, id: of.id });
    const key = memoryKey(bankId, of.id);
    const before = mergedNow.get(key) ?? { bankId, id: of.id };
    const current = {
      tags: before.tags ?? of.tags,
      expiresAt: before.expiresAt === undefined ? of.expiresAt : before.expiresAt,
    };
    const merged = mergeDuplicate(current, candidate.record, of.id, options);
    if (merged.addedTags.length > 0 || merged.expiryMoved)
      mergedNow.set(key, {
        ...before,
        ...(merged.addedTags.length > 0 ? { tags: [...current.tags, ...merged.addedTags] } : {}),
        ...(merged.expiryMoved ? { expiresAt: merged.expiresAt } : {}),
      });
    outcomes[candidate.index] = {
      status: 'duplicate',
      duplicateOf: of.id,
      match,
      similarity: of.similarity,
      ...merged.outcome,
    };
  };
  for (const [position, candidate] of chunk.entries()) {
    const { record } = candidate;
    const key = memoryKey(record.bankId, record.contentHash);
    const exactMatch = exact.get(key) ?? keptHashes.get(key);
    if (exactMatch !== undefined) {
      duplicate(candidate, exactMatch, 'exact');
      continue;
    }
    if (threshold !== null && nearChecked(record)) {
      let best = nearest.get(position);
      for (const earlier of kept) {
        if (earlier.record.bankId !== record.bankId) continue;
        const similarity = cosine(earlier, candidate);
        if (!best || similarity > best.similarity) best = { ...keptMatch(earlier), similarity };
      }
      // The same words at another time are another event, and a record that says what its match does not is another
      // fact (mayRepeat).
      const sameTime = record.occurredAt === null || best?.occurredAt?.getTime() === record.occurredAt.getTime();
      if (best && best.similarity >= threshold && sameTime && mayRepeat(record.text, best.text)) {
        duplicate(candidate, best, 'near');
        continue;
      }
    }
    kept.push(candidate);
    keptHashes.set(key, keptMatch(candidate));
  }
  const keptKeys = new Set(kept.map(({ record }) => memoryKey(record.bankId, record.id)));
  await mergeIntoStored(
    client,
    sql,
    [...mergedNow].filter(([key]) => !keptKeys.has(key)).map(([, memory]) => memory),
  );
  for (const record of replacedByDuplicates) await supersede(client, sql, record, options);
  if (kept.length === 0) return;

  // The replaced memory leaves first: a correction may hash like the original, which the unique constraint forbids
  // twice, and the episodes are read without it. A correction is a chunk of its own (see chunks); one of a turn
  // takes the turn's place in its episode.
  const correction = kept.find(({ record }) => record.supersedes !== null)?.record;
  const place = correction && (await supersede(client, sql, correction, options));
  const records = kept.map(({ record }) => {
    const { tags = record.tags, expiresAt = record.expiresAt } =
      mergedNow.get(memoryKey(record.bankId, record.id)) ?? {};
    return { ...record, tags, expiresAt };
  });
  const { placements, neighbours } =
    correction?.episodeId && place !== undefined
      ? await placeInEpisode(client, sql, { ...correction, episodeId: correction.episodeId }, place)
      : await appendToEpisodes(client, sql, records);
  const inserted = await insertRows(client, sql, records, placements);
  const stored: MemoryRecord[] = [];
  for (const [i, record] of records.entries()) {
    const { index } = kept[i] as Candidate;
    if (inserted.has(record.id)) {
      stored.push(record);
      outcomes[index] = { status: 'stored', id: record.id };
    } else {
      // Only a writer that bypassed the bank lock can get here; the unique constraint still keeps one copy.
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM ${sql.memories} WHERE bank_id = $1 AND content_hash = $2`,
        [record.bankId, record.contentHash],
      );
      outcomes[index] = {
        status: 'duplicate',
        duplicateOf: rows[0]?.id ?? '',
        match: 'exact',
        similarity: 1,
        addedTags: [],
      };
    }
  }
  // The neighbours written into the new entries assumed every record went in; where one did not, the stored ones
  // of its episodes are rewritten from the rows.
  const missing = records.some((r) => r.episodeId !== null && !inserted.has(r.id));
  await rewriteKeywordEntries(client, sql.memories, [
    ...neighbours,
    ...(missing ? stored.filter((r) => r.episodeId !== null) : []),
  ]);
}

function keptMatch({ record }: Candidate): NearMatch {
  const { id, tags, occurredAt, expiresAt, text } = record;
  return { id, tags, similarity: 1, occurredAt, expiresAt, text };
}

/** What duplicates brought to a stored memory: its tags now, when they added some; its expiry, when they moved it. */
interface MergedIntoStored {
  bankId: string;
  id: string;
  tags?: string[];
  expiresAt?: Date | null;
}

// Stored memories that duplicates brought new tags or a later expiry to get them, in the columns filters read.
async function mergeIntoStored(client: pg.PoolClient, sql: StoreSql, memories: MergedIntoStored[]): Promise<void> {
  if (memories.length === 0) return;
  await client.query(
    `UPDATE ${sql.memories} m
        SET tags = COALESCE(r.tags, m.tags),
            expires_at = CASE WHEN r.expiry_moved THEN r.expires_at ELSE m.expires_at END
       FROM jsonb_to_recordset($1::jsonb)
         AS r(bank_id text, id text, tags text[], expiry_moved boolean, expires_at timestamptz)
      WHERE m.bank_id = r.bank_id AND m.id = r.id`,
    [
      JSON.stringify(
        memories.map((m) => ({
          bank_id: m.bankId,
          id: m.id,
          tags: m.tags ?? null,
          expiry_moved: 'expiresAt' in m,
          expires_at: instant(m.expiresAt),
        })),
      ),
    ],
  );
}

// Inserts the rows (a row whose hash another writer stored meanwhile stays out) and their versions; returns the ids
// that went in.
async function insertRows(
  client: pg.PoolClient,
  sql: StoreSql,
  records: MemoryRecord[],
  placements: Placement[],
): Promise<Set<string>> {
  const payload = records.map((record, ord) => {
    const { position, fields } = placements[ord] as Placement;
    return {
      ord,
      id: record.id,
      bank_id: record.bankId,
      text: record.text,
      content_hash: record.contentHash,
      tags: record.tags,
      metadata: record.metadata,
      path: record.path,
      created_at: instant(record.createdAt),
      occurred_at: instant(record.occurredAt),
      expires_at: instant(record.expiresAt),
      speaker: record.speaker,
      episode_id: record.episodeId,
      episode_position: position,
      document_id: record.documentId,
      embedding: vectorLiteral(record.embedding),
      keyword_text: fields.text,
      keyword_date: fields.date,
      keyword_context: fields.context,
    };
  });
  const tsv = keywordVectorSql({
    text: 'r.keyword_text',
    date: 'r.keyword_date',
    context: 'r.keyword_context',
  });
  // The create (and redact) versions of the rows that went in, in the same statement.
  const versions = records.flatMap((record) =>
    record.versions.map((stamp, i) => ({
      bank_id: record.bankId,
      memory_id: record.id,
      n: i + 1,
      action: stamp.action,
      text: record.text,
      actor: stamp.actor ?? null,
      reason: stamp.reason ?? null,
      at: instant(stamp.at),
    })),
  );
  const { rows } = await client.query<{ id: string }>(
    `WITH inserted AS (
     INSERT INTO ${sql.memories} (id, bank_id, text, content_hash, tags, metadata, path, created_at, occurred_at, expires_at,
                                  speaker, episode_id, episode_position, document_id, embedding, tsv, keyword_length)
     SELECT r.id, r.bank_id, r.text, r.content_hash, r.tags, r.metadata, r.path, r.created_at, r.occurred_at, r.expires_at,
            r.speaker, r.episode_id, r.episode_position, r.document_id, r.embedding::${sql.vectorType}, k.tsv,
            ${ownLengthSql('k.tsv')}
       FROM jsonb_to_recordset($1::jsonb) AS r(
              id text, bank_id text, text text, content_hash text, tags text[], metadata jsonb, path text,
              created_at timestamptz, occurred_at timestamptz, expires_at timestamptz, speaker text, episode_id text,
              episode_position integer, document_id text, embedding text, keyword_text text, keyword_date text,
              keyword_context text, ord integer),
            LATERAL (SELECT ${tsv} AS tsv) AS k
      ORDER BY r.ord
     ON CONFLICT (bank_id, content_hash) DO NOTHING
     RETURNING bank_id, id
     ), versions AS (
     INSERT INTO ${sql.versions} (bank_id, memory_id, version, action, text, actor, reason, at)
     SELECT v.bank_id, v.memory_id, ${nextVersionSql(sql, 'v.bank_id', 'v.memory_id')} + v.n, v.action, v.text, v.actor, v.reason, v.at
       FROM jsonb_to_recordset($2::jsonb) AS v(bank_id text, memory_id text, n integer, action text, text text, actor text, reason text, at timestamptz)
       JOIN inserted i ON i.bank_id = v.bank_id AND i.id = v.memory_id
     )
     SELECT id FROM inserted`,
    [JSON.stringify(payload), JSON.stringify(versions)],
  );
  return new Set(rows.map((r) => r.id));
}

// The replaced memory leaves the live table, and its episode neighbours' entries its text; its history keeps the
// text and the tags it carried until it is erased, points at its successor, and says who replaced it and why.
// Returns the first place the replaced memories held in the record's episode (a corrected turn's); undefined when
// they held none.
// A chunk of a long text brings the rest of its document, whose versions point at it, except the memory that replaces
// them (a duplicate the correction repeats). A row another transaction changes first is read as it committed: gone
// when it was replaced or forgotten, with its new tags when a hold was merged in; checkSuperseded then fails the
// insert, which rolls back.
async function supersede(
  client: pg.PoolClient,
  sql: StoreSql,
  record: MemoryRecord,
  options: InsertOptions,
): Promise<number | undefined> {
  const { actor, reason } = record.versions[0] ?? {};
  const { rows } = await client.query<{
    id: string;
    tags: string[];
    episode_id: string | null;
    episode_position: number | null;
  }>(
    `WITH target AS (
       SELECT id, document_id FROM ${sql.memories} WHERE bank_id = $1 AND id = $2
     ), gone AS (
       DELETE FROM ${sql.memories} m USING target t
        WHERE m.bank_id = $1
          AND (m.id = t.id OR (m.document_id = t.document_id AND m.id <> $5))
       RETURNING m.id, m.bank_id, m.text, m.tags, m.episode_id, m.episode_position, m.document_id
     ), version AS (
       INSERT INTO ${sql.versions}
              (bank_id, memory_id, version, action, text, tags, actor, reason, related_id, document_id, at)
       SELECT gone.bank_id, gone.id, ${nextVersionSql(sql, 'gone.bank_id', 'gone.id')} + 1, 'supersede', gone.text,
              gone.tags, $3, $4, CASE WHEN gone.id = $2 THEN $5 ELSE $2 END, gone.document_id, $6
         FROM gone
     )
     SELECT id, tags, episode_id, episode_position FROM gone`,
    [record.bankId, record.supersedes, actor ?? null, reason ?? null, record.id, instant(record.createdAt)],
  );
  checkSuperseded(record, rows, options);
  await rewriteEpisodeNeighbours(client, sql, record.bankId, rows);
  return replacedPlace(
    record,
    rows.map((row) => ({ episodeId: row.episode_id, position: row.episode_position })),
  );
}

function norm(vector: Float32Array): number {
  let sum = 0;
  for (const x of vector) sum += x * x;
  return Math.sqrt(sum);
}

function cosine(a: Candidate, b: Candidate): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  const x = a.record.embedding;
  const y = b.record.embedding;
  let dot = 0;
  for (let i = 0; i < x.length; i++) dot += (x[i] as number) * (y[i] as number);
  return dot / (a.norm * b.norm);
}
