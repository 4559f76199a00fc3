// One process of postgres-access-processes.int.test.ts: a brain with access configured on a Postgres schema that
// another process shares. It opens, prints "ready", waits for "go" on stdin (so that the processes start their
// retains together), runs every retain at once as one principal, and prints the outcome of each as a JSON line.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { type AccessOptions, Astrocyte, AstrocyteError, LocalEmbedder } from '@astrocyte/core';
import { openPostgresStore } from '../postgres-memory-store.js';

/** What the test hands the process in ASTROCYTE_ACCESS_JOB. */
export interface AccessJob {
  connectionString: string;
  schema: string;
  access: AccessOptions;
  /** The brain's clock, fixed: every retain falls in the minute (and day) of this instant. */
  now: string;
  principal: string;
  bankId: string;
  contents: string[];
}

const job = JSON.parse(process.env.ASTROCYTE_ACCESS_JOB as string) as AccessJob;
const store = await openPostgresStore({
  connectionString: job.connectionString,
  schema: job.schema,
  maxConnections: 4,
});
const brain = await Astrocyte.create({
  store,
  embedder: new LocalEmbedder(),
  access: job.access,
  now: () => new Date(job.now),
});
const input = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await once(input, 'line');
input.close();
// 'stored', 'not stored' (a duplicate, or refused by governance), or the code of the error a retain threw.
const outcomes = await Promise.all(
  job.contents.map((content) =>
    brain.retain(content, { bankId: job.bankId, context: { principal: job.principal } }).then(
      (result) => (result.stored ? 'stored' : 'not stored'),
      (error: unknown) => (AstrocyteError.isInstance(error) ? error.code : String(error)),
    ),
  ),
);
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
await brain.close();
