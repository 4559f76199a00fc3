// A real HTTP API on a free loopback port over a SQLite brain in a temporary folder, where each user owns the bank
// named after them, for this package's tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import type { AccessOptions, Astrocyte } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { type ApiClient, apiClient } from './api-client.fixture.js';
import type { ServeHttpApiOptions } from './http-api-options.js';
import { serveHttpApi } from './serve-http-api.js';

export const ALICE_TOKEN = 'alice-token-0123456789abcdef';
export const BOB_TOKEN = 'bob-token-0123456789abcdef';

/** A running server, its brain, the two users' banks, and a checking client with alice's token. */
export interface TestServer {
  url: string;
  brain: Astrocyte;
  /** Alice's bank, which only user:<alice> may use; likewise bob's. */
  alice: string;
  bob: string;
  /** Alice's client; `api.as(BOB_TOKEN)` is bob's. */
  api: ApiClient;
  close(): Promise<void>;
}

/** Opens the brain a test server serves, with the access options given. */
export type OpenBrain = (access: AccessOptions) => Promise<Astrocyte>;

/**
 * Starts a server; `access` adds to the grant that gives each user their own bank, `serve` to the server options.
 * The brain is SQLite in a temporary folder unless `open` opens another.
 */
export async function startTestServer(
  options: {
    access?: Omit<AccessOptions, 'grants'>;
    serve?: Omit<ServeHttpApiOptions, 'port' | 'tokens'>;
    open?: OpenBrain;
    /** The default brain's clock. */
    now?: () => Date;
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'astrocyte-http-api-'));
  const alice = randomBankId('alice');
  const bob = randomBankId('bob');
  const open: OpenBrain =
    options.open ?? ((access) => createSqliteBrain({ path: join(dir, 'memory.db'), access, now: options.now }));
  const brain = await open({
    grants: [{ principal: 'user:{bank}', banks: '{bank}', permissions: ['read', 'write', 'forget'] }],
    ...options.access,
  });
  const running = await serveHttpApi(brain, {
    port: 0,
    tokens: [
      { token: ALICE_TOKEN, principal: `user:${alice}` },
      { token: BOB_TOKEN, principal: `user:${bob}` },
    ],
    ...options.serve,
  });
  return {
    url: running.url,
    brain,
    alice,
    bob,
    api: await apiClient(running.url, ALICE_TOKEN),
    async close() {
      await running.close();
      await brain.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
