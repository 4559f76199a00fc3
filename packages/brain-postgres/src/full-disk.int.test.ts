import { randomBytes } from 'node:crypto';
import { StorageError } from '@astrocyte/core';
import { numberedCall as call, fillUntilFull, smallDisk } from '@astrocyte/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas, admin } = await postgresTestFile();
// The tablespace must be a folder of the server's own machine: only a server on this one can use the small disk.
const local = /@(127\.0\.0\.1|localhost)[:/]/.test(TEST_DATABASE_URL);
const disk = available && local ? smallDisk(16 * 1024 * 1024, 'postgres') : null;
const tablespace = `astro_full_${randomBytes(4).toString('hex')}`;
const schema = schemas.next();

afterAll(async () => {
  if (!disk) return;
  // Before the file's own cleanup: the tablespace can go only once the schema's tables in it are gone.
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.query(`DROP TABLESPACE IF EXISTS ${tablespace}`);
  disk.remove();
});

describe.runIf(disk)('a Postgres store whose tablespace fills', () => {
  it('refuses the write that does not fit with storage_full, keeps everything before it, and stores it once there is room', {
    timeout: 120_000,
  }, async () => {
    const small = disk as NonNullable<typeof disk>;
    await admin.query(`CREATE TABLESPACE ${tablespace} LOCATION '${small.path}'`);
    // Every table and index of the store is created in the small tablespace.
    const options = encodeURIComponent(`-c default_tablespace=${tablespace}`);
    const brain = await createPostgresBrain({ connectionString: `${TEST_DATABASE_URL}?options=${options}`, schema });
    try {
      await brain.retainConversation(call(0), { bankId: 'chat', sessionId: 'one' });
      small.fill(256 * 1024);
      const { stored: calls, failure } = await fillUntilFull(brain, 1);
      expect(failure).toBeInstanceOf(StorageError);
      expect(failure).toMatchObject({ code: 'storage_full', details: { driverCode: '53100' } });
      expect((failure as Error).message).toMatch(/out of disk space.*Free space/);

      const count = async () => (await brain.banks()).find((b) => b.bankId === 'chat')?.memoryCount;
      expect(await count()).toBe(calls * 20);
      const failed = call(calls)[0]?.text as string;
      expect((await brain.recall(failed, { bankId: 'chat' })).hits.some((h) => h.text === failed)).toBe(false);

      small.free();
      const again = await brain.retainConversation(call(calls), { bankId: 'chat', sessionId: 'one' });
      expect(again.every((r) => r.stored && !r.deduplicated)).toBe(true);
      expect(await count()).toBe((calls + 1) * 20);
      expect((await brain.recall(failed, { bankId: 'chat' })).hits[0]?.text).toBe(failed);
    } finally {
      await brain.close();
    }
  });
});
