import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AccessOptions } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from './postgres-memory-store.js';
import type { AccessJob } from './testing-support/access-process.fixture.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas } = await postgresTestFile();

const FIXTURE = fileURLToPath(new URL('./testing-support/access-process.fixture.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PRINCIPAL = 'service:ingest';
// The processes' clock is fixed, so that no run straddles a minute or a day: the window is the test's choice.
const NOON = new Date('2026-06-01T12:00:30Z');

/** Three words of random letters: never a duplicate of another, never PII, always 74 bytes. */
function distinctContent(): string {
  const word = () => Array.from(randomBytes(24), (b) => String.fromCharCode(97 + (b % 26))).join('');
  return `${word()} ${word()} ${word()}`;
}

/**
 * Runs one process per job on the same schema; once every one has opened its brain, all start their retains at the
 * same moment. Returns every outcome ('stored', or an error code) of every process.
 */
async function runTogether(jobs: AccessJob[]): Promise<string[]> {
  const children = jobs.map((job) => {
    const child = spawn(process.execPath, ['--conditions=@astrocyte/source', '--import', 'tsx', FIXTURE], {
      cwd: ROOT,
      env: { ...process.env, ASTROCYTE_ACCESS_JOB: JSON.stringify(job) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const nextLine = async () => {
      const line = await lines.next();
      if (line.done) throw new Error(`the process exited with ${await exited}: ${stderr}`);
      return line.value;
    };
    return { child, exited, nextLine };
  });
  for (const { nextLine } of children) expect(await nextLine()).toBe('ready');
  for (const { child } of children) child.stdin.end('go\n');
  const outcomes = await Promise.all(children.map(async ({ nextLine }) => JSON.parse(await nextLine()) as string[]));
  for (const { exited } of children) expect(await exited).toBe(0);
  return outcomes.flat();
}

function jobs(schema: string, bankId: string, access: AccessOptions, now: Date, perProcess: number): AccessJob[] {
  return [1, 2].map(() => ({
    connectionString: TEST_DATABASE_URL,
    schema,
    access,
    now: now.toISOString(),
    principal: PRINCIPAL,
    bankId,
    contents: Array.from({ length: perProcess }, distinctContent),
  }));
}

const count = (outcomes: string[], outcome: string) => outcomes.filter((o) => o === outcome).length;

/** The live memories of the bank, read by a store of this process once the children have exited. */
async function held(schema: string, bankId: string): Promise<number> {
  const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
  try {
    return (await store.banks()).find((bank) => bank.bankId === bankId)?.memoryCount ?? 0;
  } finally {
    await store.close();
  }
}

describe.runIf(available)('access control across processes on Postgres', () => {
  it('rate limits hold across two processes: exactly the limit succeeds in each minute', {
    timeout: 120_000,
  }, async () => {
    const schema = schemas.next();
    const bankId = randomBankId();
    const limit = 7;
    const access: AccessOptions = {
      grants: [{ principal: PRINCIPAL, banks: bankId, permissions: ['write'] }],
      rateLimits: [{ principal: '*', operationsPerMinute: limit }],
    };
    const first = await runTogether(jobs(schema, bankId, access, NOON, 10));
    expect(first).toHaveLength(20);
    expect(count(first, 'stored')).toBe(limit);
    expect(count(first, 'rate_limited')).toBe(20 - limit);
    // The next minute is a new window, counted from zero by both processes again.
    const next = await runTogether(jobs(schema, bankId, access, new Date(NOON.getTime() + 60_000), 10));
    expect(count(next, 'stored')).toBe(limit);
    expect(count(next, 'rate_limited')).toBe(20 - limit);

    expect(await held(schema, bankId)).toBe(2 * limit);
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    try {
      const audit = await store.accessLedger.listAudit({ principal: PRINCIPAL, limit: 100 });
      expect(audit.items.map((entry) => entry.outcome)).toEqual(Array(2 * (20 - limit)).fill('rate_limited'));
    } finally {
      await store.close();
    }
  });

  it('a daily bytes quota holds across two processes: the writes that fit are stored, the rest refused', {
    timeout: 120_000,
  }, async () => {
    const schema = schemas.next();
    const bankId = randomBankId();
    const bytes = Buffer.byteLength(distinctContent(), 'utf8');
    const access: AccessOptions = {
      grants: [{ principal: PRINCIPAL, banks: bankId, permissions: ['write'] }],
      // Room for five retains and half of a sixth.
      quotas: [{ banks: bankId, maxBytesPerDay: 5 * bytes + bytes / 2 }],
    };
    const outcomes = await runTogether(jobs(schema, bankId, access, NOON, 6));
    expect(count(outcomes, 'stored')).toBe(5);
    expect(count(outcomes, 'quota_exceeded')).toBe(7);
    expect(await held(schema, bankId)).toBe(5);
  });

  it('a max_memories quota holds across two processes: exactly the limit is stored, each refusal audited', {
    timeout: 120_000,
  }, async () => {
    const schema = schemas.next();
    const bankId = randomBankId();
    const limit = 9;
    const access: AccessOptions = {
      grants: [{ principal: PRINCIPAL, banks: bankId, permissions: ['write'] }],
      quotas: [{ banks: bankId, maxMemories: limit }],
    };
    const outcomes = await runTogether(jobs(schema, bankId, access, NOON, 12));
    expect(count(outcomes, 'stored')).toBe(limit);
    expect(count(outcomes, 'quota_exceeded')).toBe(24 - limit);
    expect(await held(schema, bankId)).toBe(limit);
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    try {
      const audit = await store.accessLedger.listAudit({ bankId, limit: 100 });
      expect(audit.items.map((entry) => [entry.outcome, entry.details])).toEqual(
        Array(24 - limit).fill(['quota_exceeded', { quota: 'max_memories', limit }]),
      );
    } finally {
      await store.close();
    }
  });
});
