// The test database of the CLI tests that need Postgres, and the check that it answers.
import pg from 'pg';

/** The database the Postgres tests use. */
export const TEST_DATABASE_URL = process.env.ASTROCYTE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether the test database answers. In CI (or with ASTROCYTE_REQUIRE_POSTGRES=1) it must: unreachable throws.
 * Elsewhere it is a loud skip, so that nobody mistakes skipped Postgres tests for passing ones. `who` names the tests.
 */
export async function postgresAnswers(who: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    const reason = `${who} cannot reach the test database: ${(error as Error).message}`;
    if (process.env.CI === 'true' || process.env.ASTROCYTE_REQUIRE_POSTGRES === '1') throw new Error(reason);
    console.warn(`\n!! SKIPPING: ${reason}\n!! Run scripts/setup-postgres.sh, or set ASTROCYTE_TEST_DATABASE_URL.\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
