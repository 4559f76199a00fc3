import { randomBytes } from 'node:crypto';
import type { Astrocyte } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import { EXACT_SCAN_LIMIT } from './planner-statistics.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

// A single retain is an agent's memory_retain: each statement is a round trip to the server on the latency the user
// waits for. These tests pin how many a single retain of a short text makes, so that one more shows up here.
const { available, schemas } = await postgresTestFile();

/** The statements sent on the pool's connections (pool.query goes through a pooled client too), first words only. */
class StatementLog {
  readonly statements: string[] = [];
  private readonly wrapped = new WeakSet<pg.PoolClient>();

  constructor(readonly pool: pg.Pool) {
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    const watch = (client: pg.PoolClient | undefined) => {
      if (client && !this.wrapped.has(client)) {
        this.wrapped.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        client.query = ((...args: unknown[]) => {
          const first = args[0] as string | { text: string };
          this.statements.push(
            (typeof first === 'string' ? first : first.text).trim().replace(/\s+/g, ' ').slice(0, 40),
          );
          return query(...args);
        }) as typeof client.query;
      }
      return client;
    };
    pool.connect = ((...args: unknown[]) => {
      const callback = args[0];
      if (typeof callback === 'function')
        return connect((error: unknown, client: pg.PoolClient | undefined, done: unknown) =>
          callback(error, watch(client), done),
        );
      return (connect() as Promise<pg.PoolClient>).then(watch);
    }) as typeof pool.connect;
  }

  /** The statements `fn` sends. */
  async during(fn: () => Promise<unknown>): Promise<string[]> {
    const from = this.statements.length;
    await fn();
    return this.statements.slice(from);
  }
}

describe.runIf(available)('round trips of a single retain on postgres', () => {
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

  it('stores into a bank past the exact-scan limit in seven statements (the index needs its settings turned back)', async () => {
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
    expect(statements).toHaveLength(7);
  });
});
