import { randomBytes } from 'node:crypto';
import { Astrocyte } from '@astrocyte/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BOB_TOKEN, startTestServer } from './test-server.fixture.js';

const DATABASE_URL = process.env.ASTROCYTE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `astro_http_${randomBytes(6).toString('hex')}`;

// In CI (or with ASTROCYTE_REQUIRE_POSTGRES=1) the database must answer; elsewhere its absence is a loud skip.
async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    const reason = `the HTTP API's Postgres test cannot reach the test database: ${(error as Error).message}`;
    if (process.env.CI === 'true' || process.env.ASTROCYTE_REQUIRE_POSTGRES === '1') throw new Error(reason);
    console.warn(`\n!! SKIPPING: ${reason}\n!! Run scripts/setup-postgres.sh, or set ASTROCYTE_TEST_DATABASE_URL.\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const available = await postgresAnswers();

afterAll(async () => {
  if (!available) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe.runIf(available)('HTTP API on Postgres', () => {
  it("keeps each user to their own bank: alice's token is refused on bob's, whose memories stay", async () => {
    const server = await startTestServer({
      // As `astrocyte serve` opens it: from a config naming the backend and the grants.
      open: (access) =>
        Astrocyte.fromConfigObject({
          storage: { backend: 'postgres', postgres: { url: DATABASE_URL, schema } },
          access: { grants: access.grants },
        }),
    });
    try {
      const { api, alice, bob } = server;
      const bobs = api.as(BOB_TOKEN);
      expect(
        (await bobs.request('POST', `/v1/banks/${bob}/memories`, { body: { content: 'Bob parks on level 2' } })).status,
      ).toBe(201);
      expect(
        (await api.request('POST', `/v1/banks/${alice}/memories`, { body: { content: 'Alice parks outside' } })).status,
      ).toBe(201);

      const recalled = await api.request('POST', `/v1/banks/${alice}/recall`, { body: { query: 'where to park' } });
      expect(recalled.body.hits.map((hit: { text: string }) => hit.text)).toEqual(['Alice parks outside']);
      for (const denied of [
        await api.request('POST', `/v1/banks/${bob}/recall`, { body: { query: 'where to park' } }),
        await api.request('POST', `/v1/banks/${bob}/memories`, { body: { content: 'Alice was here' } }),
        await api.request('GET', `/v1/banks/${bob}/export`),
      ]) {
        expect(denied.status).toBe(403);
        expect(denied.body.error).toMatchObject({
          code: 'access_denied',
          details: { principal: `user:${alice}`, bank: bob },
        });
      }
      const exported = await bobs.request('GET', `/v1/banks/${bob}/export`);
      expect(exported.body.map((line: { text: string }) => line.text)).toEqual(['Bob parks on level 2']);
    } finally {
      await server.close();
    }
  });
});
