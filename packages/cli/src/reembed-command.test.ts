import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '@astrocyte/brain-sqlite';
import { Astrocyte } from '@astrocyte/core';
import { type FakeProviderServer, fakeProviderServerPerTest } from '@astrocyte/core/testing';
import { describe, expect, it } from 'vitest';
import { astrocyte, BIN_ARGS, tempProject } from './cli-process.fixture.js';
import { MEMORIES, NEW_EMBEDDER, reembedKilledAndResumed } from './reembed-scenario.fixture.js';

const fake = fakeProviderServerPerTest();

// Every test spawns several real processes; on a loaded machine that takes a while.
describe('astrocyte reembed on SQLite', { timeout: 180_000 }, () => {
  it('moves 5,000 memories to a model of another dimension across a SIGKILL, recall answering throughout', async () => {
    const project = tempProject();
    const path = join(project.dir, 'memory.db');
    const raw = async <T>(read: (db: Awaited<ReturnType<typeof openSqliteStore>>['database']) => T): Promise<T> => {
      const store = await openSqliteStore({ path });
      try {
        return read(store.database);
      } finally {
        await store.close();
      }
    };
    await reembedKilledAndResumed(
      project,
      {
        storageYaml: 'storage:\n  backend: sqlite\n  sqlite:\n    path: ./memory.db\n',
        // From the vectors' side: a vector left without its memory would show with no text.
        vectors: () =>
          raw((db) =>
            (
              db
                .prepare(
                  `SELECT m.bank_id, m.id, m.text, e.embedding FROM memory_embeddings e LEFT JOIN memories m ON m.seq = e.seq`,
                )
                .all() as { bank_id: string; id: string; text: string; embedding: Buffer }[]
            ).map((row) => ({
              bankId: row.bank_id,
              id: row.id,
              text: row.text,
              vector: new Float32Array(new Uint8Array(row.embedding).buffer),
            })),
          ),
        stagedRows: () => raw((db) => db.prepare('SELECT count(*) FROM memory_reembed').pluck().get() as number),
      },
      fake.server,
    );
    // The candidate index's sketches were rebuilt for the new dimension, one per memory.
    const sketches = await raw(
      (db) =>
        db
          .prepare('SELECT count(*) AS n, min(length(code)) AS low, max(length(code)) AS high FROM memory_sketches')
          .get() as {
          n: number;
          low: number;
          high: number;
        },
    );
    expect(sketches).toEqual({ n: MEMORIES, low: NEW_EMBEDDER.dimensions, high: NEW_EMBEDDER.dimensions });
  });

  it('stops on Ctrl+C once the batch in flight is staged, and the next run continues without embedding anything twice', async () => {
    const { dir, brain } = await project(fake.server, 2000);
    try {
      const child = spawn(process.execPath, [...BIN_ARGS, 'reembed', '--to', 'new.yaml', '--batch-size', '10'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      while ((await brain.reembedStatus()).staged < 100) await new Promise((resolve) => setTimeout(resolve, 5));
      child.kill('SIGINT');
      expect(await closed).toBe(1);
      const state = await brain.reembedStatus();
      expect(state).toMatchObject({ target: NEW_EMBEDDER, total: 2000 });
      expect(stderr).toContain('stopping once the batch in flight is staged');
      expect(stderr).toContain(
        `astrocyte: re-embedding stopped with ${state.staged.toLocaleString('en-US')} of 2,000 memories staged for openai:text-embedding-3-small (256 dimensions); the store still holds local-hash-v1 (384 dimensions) (fix: run the same command again to continue where it stopped`,
      );
      // Every batch sent was staged: nothing was thrown away.
      expect(embeddedInputs(fake.server)).toBe(state.staged);

      const status = await astrocyte(['reembed', '--status'], { cwd: dir });
      expect(status.stdout).toBe(
        `embedder: local-hash-v1 (384 dimensions), 2,000 memories\nre-embedding to openai:text-embedding-3-small (256 dimensions): ${state.staged.toLocaleString('en-US')} of 2,000 staged; run astrocyte reembed with the same --to to continue\n`,
      );
      writeFileSync(join(dir, 'other.yaml'), newSection(fake.server, 128));
      const other = await astrocyte(['reembed', '--to', 'other.yaml'], { cwd: dir });
      expect(other.code).toBe(2);
      expect(other.stderr).toContain('a re-embedding to openai:text-embedding-3-small (256 dimensions) is in progress');
      expect(other.stderr).toContain('(fix: continue the re-embedding in progress with the same --to');

      const resumed = await astrocyte(['--json', 'reembed', '--to', 'new.yaml', '--batch-size', '500'], { cwd: dir });
      expect(resumed.stderr).toBe('');
      expect(JSON.parse(resumed.stdout)).toEqual({
        from: { name: 'local-hash-v1', dimensions: 384 },
        to: NEW_EMBEDDER,
        embedded: 2000 - state.staged,
        memories: 2000,
        resumed: true,
      });
      expect(embeddedInputs(fake.server)).toBe(2000);
    } finally {
      await brain.close();
    }
  });

  it('shows and cancels a run, and refuses a command line or a target it cannot use', async () => {
    const { dir, brain } = await project(fake.server, 30);
    try {
      const controller = new AbortController();
      await brain
        .reembed({
          to: { provider: 'openai', dimensions: 256, base_url: fake.server.openaiBaseURL, api_key: 'k' },
          batchSize: 10,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        })
        .catch(() => undefined);
    } finally {
      await brain.close();
    }
    const cancelled = await astrocyte(['reembed', '--cancel'], { cwd: dir });
    expect(cancelled.stdout).toBe(
      'cancelled the re-embedding to openai:text-embedding-3-small (256 dimensions): dropped 10 memories staged; the store keeps local-hash-v1 (384 dimensions)\n',
    );
    const none = await astrocyte(['--json', 'reembed', '--status'], { cwd: dir });
    expect(JSON.parse(none.stdout)).toEqual({
      current: { name: 'local-hash-v1', dimensions: 384 },
      target: null,
      staged: 0,
      total: 30,
    });
    for (const [args, message] of [
      [['reembed'], 'astrocyte: give one of --to, --status or --cancel (fix: e.g. astrocyte reembed --to'],
      [['reembed', '--to', 'missing.yaml'], 'astrocyte: --to: there is no file missing.yaml (fix: pass a YAML file'],
      [['reembed', '--to', '{provider: cohere, dimensions: 256}'], 'embedding.provider'],
      [['reembed', '--to', '{provider: local}'], 'names the embedder the store already holds'],
    ] as const) {
      const run = await astrocyte([...args], { cwd: dir });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect(fake.server.requestsTo('/v1/embeddings')).toHaveLength(1);
  });
});

function newSection(server: FakeProviderServer, dimensions: number): string {
  return `embedding:\n  provider: openai\n  dimensions: ${dimensions}\n  base_url: ${server.openaiBaseURL}\n  api_key: k\n`;
}

// A SQLite project holding `count` memories of the local embedder, a new.yaml naming the fake server's model, and a
// brain open on it.
async function project(server: FakeProviderServer, count: number) {
  const { dir, config } = tempProject();
  writeFileSync(join(dir, 'new.yaml'), newSection(server, 256));
  const brain = await Astrocyte.fromConfig(config);
  const items = Array.from({ length: count }, (_, i) => ({
    content: `Entry ${i}: the ${['red', 'blue', 'green'][i % 3]} folder ${i}`,
  }));
  for (let i = 0; i < items.length; i += 1000) await brain.retainMany(items.slice(i, i + 1000), { bankId: 'default' });
  return { dir, brain };
}

function embeddedInputs(server: FakeProviderServer): number {
  return server
    .requestsTo('/v1/embeddings')
    .reduce((sum, request) => sum + ((request.body as { input: string[] }).input?.length ?? 0), 0);
}
