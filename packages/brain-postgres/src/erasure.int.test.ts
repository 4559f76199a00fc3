import { randomBytes } from 'node:crypto';
import { type Astrocyte, Governance, handleMemoryTool } from '@astrocyte/core';
import { manualClock } from '@astrocyte/core/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

// Governance promises that rejected data is never written and forgotten data is gone. These tests read the raw
// tables of the schema (every row of every table, as text) and the lexemes of the tsvector column directly, and
// compact's test the bytes of the data files themselves.

const { available, schemas, admin } = await postgresTestFile();
const brains: Astrocyte[] = [];
afterAll(async () => {
  await Promise.all(brains.map((b) => b.close()));
});

async function brainInSchema(options: Record<string, unknown> = {}): Promise<{ brain: Astrocyte; schema: string }> {
  const schema = schemas.next('astro_erasure');
  const brain = await createPostgresBrain({
    connectionString: TEST_DATABASE_URL,
    schema,
    maxConnections: 2,
    ...options,
  });
  brains.push(brain);
  return { brain, schema };
}

/** Every row of every table of the schema, rendered as text by Postgres itself. */
async function dumpSchema(schema: string): Promise<string> {
  const { rows: tables } = await admin.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
    [schema],
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await admin.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
    parts.push(`${table_name}: ${rows.map((r) => r.row).join('\n')}`);
  }
  return parts.join('\n');
}

/** The lexemes stored in the keyword index's tsvector column. */
async function lexemes(schema: string): Promise<string[]> {
  const { rows } = await admin.query<{ word: string }>(
    `SELECT word FROM ts_stat('SELECT tsv FROM "${schema}".memories')`,
  );
  return rows.map((r) => r.word);
}

/**
 * The raw bytes of every file of the schema's tables, their TOAST tables and all their indexes, read by the server
 * from its data directory (pg_read_binary_file), after a checkpoint has written every changed page out.
 */
async function relationFiles(database: pg.Client, schema: string): Promise<Map<string, Buffer>> {
  await database.query('CHECKPOINT');
  const { rows } = await database.query<{ path: string; bytes: Buffer }>(
    `WITH tables AS (
       SELECT c.oid, c.reltoastrelid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r'
     ), heaps AS (SELECT oid FROM tables UNION SELECT reltoastrelid FROM tables WHERE reltoastrelid <> 0),
     relations AS (SELECT oid FROM heaps UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM heaps))
     SELECT pg_relation_filepath(oid) AS path, pg_read_binary_file(pg_relation_filepath(oid)) AS bytes FROM relations`,
    [schema],
  );
  return new Map(rows.map((r) => [r.path, r.bytes]));
}

/** The files among `files` that hold `needle` (a string, as UTF-8, or raw bytes). */
function holding(files: Map<string, Buffer>, needle: string | Buffer): string[] {
  return [...files].filter(([, bytes]) => bytes.includes(needle)).map(([path]) => path);
}

// Ends in a digit so that no stemmer strips a suffix ("…ed", "…e") and the indexed term is the word itself.
const canary = () => `zq${randomBytes(6).toString('hex')}0`;

describe.skipIf(!available)('postgres erasure, read from the raw tables', () => {
  it('a card number rejected through the tools is written to no table', async () => {
    const { brain, schema } = await brainInSchema({
      governance: new Governance({ pii: { overrides: { credit_card: 'reject' } } }),
    });
    await brain.retain('The office plant needs water on Mondays', { bankId: 'agent' });
    const out = JSON.parse(
      await handleMemoryTool(
        brain,
        'memory_retain',
        { content: 'my card is 4111 1111 1111 1111' },
        { bankId: 'agent' },
      ),
    );
    expect(out).toMatchObject({ stored: false, memory_id: null, reason: expect.stringContaining('payment card') });
    const dump = await dumpSchema(schema);
    expect(dump).toContain('office plant needs water');
    for (const trace of ['4111 1111 1111 1111', '4111111111111111', '1111 1111']) expect(dump).not.toContain(trace);
    expect(await lexemes(schema)).not.toContain('4111');
  });

  it('forget removes the text from the row, its vector and tsvector, and every version, superseded ones included', async () => {
    const { brain, schema } = await brainInSchema();
    const [first, second] = [canary(), canary()];
    const old = await brain.retain(`Door code hint ${first} for the garage`, { bankId: 'home' });
    const next = await brain.retain(`Door code hint ${second} for the garage`, {
      bankId: 'home',
      supersedes: old.memoryId as string,
    });
    await brain.retain('The recycling goes out on Thursdays', { bankId: 'home' });
    // The probes see the text while it is live, so their silence afterwards means something.
    expect(await dumpSchema(schema)).toContain(first);
    expect(await lexemes(schema)).toContain(second);

    await brain.forget('home', { memoryIds: [next.memoryId as string], reason: 'owner asked' });
    const dump = await dumpSchema(schema);
    for (const word of [first, second]) {
      expect(dump).not.toContain(word);
      expect(await lexemes(schema)).not.toContain(word);
    }
    const { rows: live } = await admin.query(`SELECT id FROM "${schema}".memories`);
    expect(live).toHaveLength(1);
    const { rows: versions } = await admin.query(
      `SELECT action, text, reason FROM "${schema}".memory_versions WHERE memory_id = ANY($1) ORDER BY memory_id, version`,
      [[old.memoryId, next.memoryId]],
    );
    expect(versions.every((v) => v.text === null)).toBe(true);
    expect(versions).toContainEqual({ action: 'forget', text: null, reason: 'owner asked' });
    expect(dump).toContain('The recycling goes out on Thursdays');
  });

  it("forget erases a conversation turn's text from its neighbours' rows and keyword entries too", async () => {
    const { brain, schema } = await brainInSchema();
    const word = canary();
    const turns = await brain.retainConversation(
      [
        { speaker: 'user', text: 'Can you keep my locker code?' },
        { speaker: 'user', text: `It is ${word}, please remember it` },
        { speaker: 'agent', text: 'Saved, I will not share it' },
      ],
      { bankId: 'home', sessionId: 'chat' },
    );
    const [before, forgotten, after] = turns.map((t) => t.memoryId as string) as [string, string, string];
    // Each neighbour's row, as Postgres renders it (its keyword entry included), and its keyword entry alone.
    const neighbourRows = async () =>
      (
        await admin.query<{ id: string; row: string; tsv: string }>(
          `SELECT m.id, m::text AS row, m.tsv::text AS tsv FROM "${schema}".memories m WHERE m.id = ANY($1) ORDER BY m.id`,
          [[before, after]],
        )
      ).rows;
    // Both neighbours index the turn while it is live, so their silence afterwards means something.
    const live = await neighbourRows();
    expect(live).toHaveLength(2);
    for (const neighbour of live) expect(neighbour.tsv).toContain(`'${word}'`);

    await brain.forget('home', { memoryIds: [forgotten] });
    const rows = await neighbourRows();
    expect(rows).toHaveLength(2);
    for (const neighbour of rows) {
      expect(neighbour.row).not.toContain(word);
      expect(neighbour.tsv).not.toContain(word);
    }
    expect(await dumpSchema(schema)).not.toContain(word);
    expect(await lexemes(schema)).not.toContain(word);
    // The neighbours are each other's now.
    expect(rows.find((r) => r.id === before)?.tsv).toContain("'share'");
  });

  it('brain.compact removes forgotten text, tags, metadata and vector bytes from the data files, which VACUUM leaves', async () => {
    // A database of its own: VACUUM FULL keeps dead rows that a transaction of the same database might still see,
    // and the other test files' transactions run in the shared one.
    const name = `astro_compact_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    const database = new pg.Client({ connectionString: url.toString() });
    await database.connect();
    const schema = 'astrocyte';
    const brain = await createPostgresBrain({ connectionString: url.toString(), schema, maxConnections: 2 });
    try {
      const [word, tag, note] = [canary(), canary(), canary()];
      const { memoryId } = await brain.retain(`Safe combination hint ${word} behind the painting`, {
        bankId: 'home',
        tags: [tag],
        metadata: { note },
      });
      await brain.retain('The spare key is with the neighbours', { bankId: 'home' });
      const { rows } = await database.query<{ e: number[] }>(
        `SELECT embedding::real[] AS e FROM "${schema}".memories WHERE id = $1`,
        [memoryId],
      );
      const vector = Buffer.from(new Float32Array(rows[0]?.e as number[]).buffer);
      const traces = [word, tag, note, vector];
      // Every trace is in the files while the memory is live, so their absence at the end means something.
      let files = await relationFiles(database, schema);
      for (const trace of traces) expect(holding(files, trace)).not.toEqual([]);

      await brain.forget('home', { memoryIds: [memoryId as string] });
      await database.query(`VACUUM "${schema}".memories, "${schema}".memory_versions`);
      files = await relationFiles(database, schema);
      // VACUUM only marks dead entries free: the keyword and tags indexes still hold the word and the tag.
      expect(holding(files, word)).not.toEqual([]);
      expect(holding(files, tag)).not.toEqual([]);

      await brain.compact();
      files = await relationFiles(database, schema);
      for (const trace of traces) expect(holding(files, trace)).toEqual([]);
      expect(holding(files, 'spare key is with the neighbours')).not.toEqual([]);
      expect((await brain.recall('spare key', { bankId: 'home' })).hits[0]?.text).toBe(
        'The spare key is with the neighbours',
      );
    } finally {
      await brain.close();
      await database.end();
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    }
  });

  it('purgeExpired erases as forget does', async () => {
    const clock = manualClock();
    const { brain, schema } = await brainInSchema({ now: clock.now });
    const word = canary();
    const { memoryId } = await brain.retain(`Wifi guest password hint ${word}`, {
      bankId: 'home',
      expiresAt: new Date(clock.now().getTime() + 1000),
    });
    expect(await dumpSchema(schema)).toContain(word);
    clock.advance(1000);
    expect(await brain.purgeExpired()).toBe(1);
    expect(await dumpSchema(schema)).not.toContain(word);
    expect(await lexemes(schema)).not.toContain(word);
    expect((await brain.history('home', memoryId as string)).map((v) => [v.action, v.text])).toEqual([
      ['create', null],
      ['expire', null],
    ]);
  });
});
