import { randomBytes } from 'node:crypto';
import { StorageError } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresConnection } from './connection.js';
import { createPostgresBrain } from './create-postgres-brain.js';
import { openPostgresStore } from './postgres-memory-store.js';
import { parseOptions, postgresStoreOptionsSchema } from './store-options.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas, admin } = await postgresTestFile();

// The server ends a connection a transaction holds: the test is the process that must survive it.

/** The test database's URL with an application_name of its own, by which the test finds the store's backends. */
function namedConnection(): { connectionString: string; name: string } {
  const name = `astro_lost_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('application_name', name);
  return { connectionString: url.toString(), name };
}

/** Waits until a backend of `name` waits on a lock, then ends every backend of `name` (pg_terminate_backend). */
async function terminateWhenWaiting(name: string, waitEvent: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { rows } = await admin.query(
      'SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = $2 AND wait_event = $3',
      [name, 'Lock', waitEvent],
    );
    if (rows.length > 0) {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no backend of ${name} waited on a ${waitEvent} lock`);
}

// Resolves when pg has seen the connection end. Listening for 'end' only: an 'error' listener here would hide the
// event the store must handle itself.
function connectionEnd(client: pg.PoolClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the connection did not end within 5 s')), 5000);
    client.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe.runIf(available)('postgres connections the server ends', () => {
  it.each([
    {
      how: 'pg_terminate_backend',
      driverCode: '57P01',
      end: (_client: pg.PoolClient, pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]),
    },
    {
      how: 'idle_in_transaction_session_timeout',
      driverCode: '25P03',
      end: (client: pg.PoolClient) => client.query("SET LOCAL idle_in_transaction_session_timeout = '50ms'"),
    },
  ])(
    'rejects a transaction whose connection ends between statements ($how), and goes on with a fresh one',
    async ({ end, driverCode }) => {
      const connection = PostgresConnection.open(
        parseOptions(postgresStoreOptionsSchema, { connectionString: TEST_DATABASE_URL }),
      );
      let lostPid = 0;
      const error = await connection
        .transaction(async (client) => {
          lostPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid as number;
          const ended = connectionEnd(client);
          await end(client, lostPid);
          // No statement of the transaction is running when the server ends the connection.
          await ended;
          await client.query('SELECT 1');
        })
        .catch((e: unknown) => e);
      expect(StorageError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'storage_unreachable', details: { driverCode } });
      expect((error as Error).message).toContain('ended the connection');
      // The broken connection left the pool; the next transaction gets a new one.
      const { rows } = await connection.transaction((client) =>
        client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'),
      );
      expect(rows[0]?.pid).not.toBe(lostPid);
      await connection.close();
    },
  );

  it('settles every operation running when it is closed: each stores or is refused with store_closed', async () => {
    const brain = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema: schemas.next() });
    const bankId = randomBankId();
    await brain.retain('The first fact', { bankId });
    // More than the pool's ten connections, so that some wait for one: pg's pool never answers those once ended.
    const outcomes = Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0 ? brain.retain(`Fact number ${i}`, { bankId }) : brain.recall(`fact ${i}`, { bankId }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await brain.close();
    for (const outcome of await outcomes)
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'store_closed' });
  });

  it('rejects a retain whose connection is terminated while it waits for a lock, then retains and recalls', async () => {
    const { connectionString, name } = namedConnection();
    const schema = schemas.next();
    const brain = await createPostgresBrain({ connectionString, schema });
    const bankId = randomBankId();
    await brain.retain('The boiler was serviced in May', { bankId });
    // A SHARE lock lets the retain read but holds its INSERT, inside its transaction, until the test terminates it.
    const blocker = await admin.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${schema}".memories IN SHARE MODE`);
      const retained = brain.retain('The roof was inspected in June', { bankId }).catch((e: unknown) => e);
      await terminateWhenWaiting(name, 'relation');
      const error = await retained;
      expect(StorageError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'storage_unreachable', details: { driverCode: '57P01' } });
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    expect(await brain.retain('The gutters were cleared in July', { bankId })).toMatchObject({ stored: true });
    const recalled = await brain.recall('When were the gutters cleared?', { bankId });
    expect(recalled.hits.map((h) => h.text)).toContain('The gutters were cleared in July');
    expect(recalled.hits.map((h) => h.text)).not.toContain('The roof was inspected in June');
    await brain.close();
  });

  it('rejects an open whose connection is terminated while it waits for the migration lock, then opens', async () => {
    const { connectionString, name } = namedConnection();
    const schema = schemas.next();
    const holder = await admin.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtextextended('astrocyte:migrations', 0))");
      const opened = openPostgresStore({ connectionString, schema }).catch((e: unknown) => e);
      await terminateWhenWaiting(name, 'advisory');
      expect(await opened).toMatchObject({ code: 'storage_unreachable', details: { driverCode: '57P01' } });
    } finally {
      await holder.query("SELECT pg_advisory_unlock(hashtextextended('astrocyte:migrations', 0))");
      holder.release();
    }
    const store = await openPostgresStore({ connectionString, schema });
    expect(await store.banks()).toEqual([]);
    await store.close();
  });
});
