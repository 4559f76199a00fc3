import { randomBytes } from 'node:crypto';
import type { Astrocyte } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import { EXACT_SCAN_LIMIT } from './planner-statistics.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';
import { StatementLog } from './testing-support/statement-log.js';

// A single retain is an agent's memory_retain, a recall its memory_recall: each statement is a round trip to the
// server on the latency the user waits for. These tests pin how many they make, so that one more shows up here.
const { available, schemas } = await postgresTestFile();

describe.runIf(available)('round trips of a single retain and a recall on postgres', () => {
  let log: StatementLog;
  let brain: Astrocyte;
  let schema: string;

  beforeAll(async () => {
    log = new StatementLog(new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 }));
    schema = schemas.next();
    brain = await createPostgresBrain({ pool: log.pool, schema });
  });
  afterAll(async () => {
    await brain?.close();
    await log?.pool.end();
  });

  it('stores a short text in six statements: begin, locks, exact check, near check, insert with its version, commit', async () => {
    const bankId = randomBankId();
    await brain.retain('The quarterly review is on Thursday', { bankId });
    let result: Awaited<ReturnType<Astrocyte['retain']>> | undefined;
    const statements = await log.during(async () => {
      result = await brain.retain('Priya prefers tea over coffee', { bankId });
    });
    expect(result).toMatchObject({ stored: true });
    expect(statements).toHaveLength(6);
    expect(statements[0]).toBe('BEGIN');
    expect(statements.at(-1)).toBe('COMMIT');
    // The version row goes in with the memory, in the same statement.
    expect(statements.filter((s) => /INSERT|WITH inserted/.test(s))).toHaveLength(1);
    const { rows } = await log.pool.query(
      `SELECT count(*)::int AS n FROM "${schema}".memory_versions WHERE memory_id = $1`,
      [result?.memoryId],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('answers an exact repeat in four statements: no near check, no insert', async () => {
    const bankId = randomBankId();
    const first = await brain.retain('The deploy window opens at nine', { bankId });
    let result: Awaited<ReturnType<Astrocyte['retain']>> | undefined;
    const statements = await log.during(async () => {
      result = await brain.retain('The deploy window opens at nine', { bankId });
    });
    expect(result).toMatchObject({ stored: false, deduplicated: true, duplicateOf: first.memoryId });
    expect(statements).toHaveLength(4);
  });

  it('stores into a bank past the exact-scan limit in six statements too: the index lookup turns its settings back itself', async () => {
    const bankId = randomBankId();
    const stored = await brain.retainMany(
      Array.from({ length: EXACT_SCAN_LIMIT + 20 }, () => ({
        content: `Ledger code ${randomBytes(12).toString('hex')}`,
      })),
      { bankId },
    );
    // A few random codes may land within the near-duplicate threshold of another; the bank must pass the limit.
    expect(stored.filter((r) => r.stored).length).toBeGreaterThan(EXACT_SCAN_LIMIT);
    let result: Awaited<ReturnType<Astrocyte['retain']>> | undefined;
    const statements = await log.during(async () => {
      result = await brain.retain('The auditor arrives on the fifth', { bankId });
    });
    expect(result).toMatchObject({ stored: true });
    expect(statements).toHaveLength(6);
    expect(statements.filter((s) => s.trim().startsWith('SELECT set_config'))).toEqual([]);
  });

  it('recalls in three statements, and in two when the same question comes again with no write between', async () => {
    const bankId = await teaBank(brain);
    const recall = () => brain.recall(TEA_QUESTION, { bankId });
    // The vector search, the keyword search and, before it, the planner's estimates of its words.
    const first = await log.during(recall);
    expect(first).toHaveLength(3);
    expect(first.filter((s) => s.startsWith('EXPLAIN'))).toHaveLength(1);
    const again = await log.during(recall);
    expect(again).toHaveLength(2);
    // A write changes the table's size and the counts: the next recall asks the planner again (for the sizes alone;
    // its words' estimates hold until ANALYZE).
    await brain.retain('Priya switched to oolong tea', { bankId });
    expect((await log.during(recall)).filter((s) => s.startsWith('EXPLAIN'))).toHaveLength(1);
  });

  it('reads no hit again for the feedback search: its text came with the first search', async () => {
    const feedback = await createPostgresBrain({ pool: log.pool, schema, recall: { feedbackTerms: 3 } });
    const bankId = await teaBank(feedback);
    // As above, then the feedback search (the words the best hits share: "green") and the estimate of its new word.
    const statements = await log.during(() => feedback.recall(TEA_QUESTION, { bankId }));
    expect(statements).toHaveLength(5);
    expect(statements.filter((s) => s.startsWith('EXPLAIN'))).toHaveLength(2);
    await feedback.close();
  });
});

const TEA_QUESTION = 'What tea does Priya drink?';

// A new bank whose best hits for TEA_QUESTION share a word the question lacks ("green").
async function teaBank(brain: Astrocyte): Promise<string> {
  const bankId = randomBankId();
  const texts = ['Priya drinks green tea every morning', 'Priya buys green tea on Fridays', 'The shop opens at eight'];
  await brain.retainMany(
    texts.map((content) => ({ content })),
    { bankId },
  );
  return bankId;
}
