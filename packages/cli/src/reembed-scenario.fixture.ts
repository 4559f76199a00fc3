// The end-to-end re-embedding, shared by the SQLite and Postgres tests: 5,000 memories move from the local
// embedder (384 dimensions) to an OpenAI-compatible model (the fake provider server, 256 dimensions) by
// `astrocyte reembed`, killed with SIGKILL half way and run again, while recall is asked throughout.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Astrocyte, EmbedderMismatchError } from '@astrocyte/core';
import { type FakeProviderServer, fakeEmbeddingVector } from '@astrocyte/core/testing';
import { expect } from 'vitest';
import { astrocyte, BIN_ARGS } from './cli-process.fixture.js';

export const MEMORIES = 5000;
export const BATCH_SIZE = 100;
export const NEW_EMBEDDER = { name: 'openai:text-embedding-3-small', dimensions: 256 };

const NEEDLE = {
  bankId: 'home',
  text: 'The harbour office key is kept in the blue tin',
  query: 'where is the harbour office key',
};
const BANKS = ['ops', 'home', 'notes'];
const PEOPLE = ['Ana', 'Ben', 'Chloe', 'Dev', 'Eli', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jun'];
const TOPICS = ['the budget', 'the roadmap', 'the garden', 'the release', 'the invoices', 'the backups', 'the trip'];

/** A memory as the test wrote it. */
export interface WrittenMemory {
  bankId: string;
  text: string;
}

/** What a backend's test reads back from its database, bypassing the store. */
export interface StoredVector {
  bankId: string;
  id: string;
  text: string;
  vector: Float32Array;
}

/** The backend under test: the YAML of its storage section, and raw reads of its database. */
export interface ReembedBackend {
  storageYaml: string;
  /** Every row holding a memory's vector, one per row, with its memory's text. */
  vectors(): Promise<StoredVector[]>;
  /** Rows of the staging table of a re-embedding. */
  stagedRows(): Promise<number>;
}

/** The memories the scenario writes: varied texts over three banks, and one to recall. */
export function scenarioMemories(): WrittenMemory[] {
  const memories = Array.from({ length: MEMORIES - 1 }, (_, i) => ({
    bankId: BANKS[i % BANKS.length] as string,
    text: `${PEOPLE[i % PEOPLE.length]} noted in entry ${i} that ${TOPICS[i % TOPICS.length]} needs a look by week ${i % 52}`,
  }));
  return [...memories, { bankId: NEEDLE.bankId, text: NEEDLE.text }];
}

/** Recalls the needle with `brain` until `done`; every answer finds it, or (after the switch) is the typed mismatch. */
async function recallUntil(brain: Astrocyte, done: Promise<unknown>): Promise<{ answered: number; refused: number }> {
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  const tally = { answered: 0, refused: 0 };
  while (!finished) {
    try {
      const { hits } = await brain.recall(NEEDLE.query, { bankId: NEEDLE.bankId, maxResults: 3 });
      expect(hits[0]?.text).toBe(NEEDLE.text);
      // An old-model brain must not be answered from new-model vectors: once refused, never answered again.
      expect(tally.refused).toBe(0);
      tally.answered++;
    } catch (error) {
      if (!EmbedderMismatchError.isInstance(error)) throw error;
      tally.refused++;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return tally;
}

function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Runs the scenario in a project (a folder and its astrocyte.yaml, see tempProject) against the backend and checks
 * what every backend must show: the kill left the run in the store and the store on the old model, the second run
 * finished it, recall answered throughout, every memory has exactly one vector and it is the new model's, nothing
 * is left staged, and the store opens only with the new embedder.
 */
export async function reembedKilledAndResumed(
  { dir, config }: { dir: string; config: string },
  backend: ReembedBackend,
  server: FakeProviderServer,
): Promise<void> {
  const oldConfig = `${backend.storageYaml}governance:\n  dedup:\n    action: keep\n`;
  writeFileSync(config, oldConfig);
  const newSection = `embedding:\n  provider: openai\n  model: text-embedding-3-small\n  dimensions: 256\n  base_url: ${server.openaiBaseURL}\n  api_key: test-key\n`;
  writeFileSync(join(dir, 'new-embedding.yaml'), newSection);

  const brain = await Astrocyte.fromConfig(config);
  try {
    const written = scenarioMemories();
    for (const bankId of BANKS) {
      const ofBank = written.filter((m) => m.bankId === bankId).map((m) => ({ content: m.text }));
      for (let i = 0; i < ofBank.length; i += 1000) await brain.retainMany(ofBank.slice(i, i + 1000), { bankId });
    }
    expect((await brain.reembedStatus()).total).toBe(MEMORIES);

    const args = [
      ...BIN_ARGS,
      'reembed',
      '--to',
      'new-embedding.yaml',
      '--batch-size',
      String(BATCH_SIZE),
      '--no-progress',
    ];
    const { ASTROCYTE_CONFIG: _config, ...env } = process.env;
    // The first run, killed once half of the memories have their new vector.
    const first = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const firstExit = exited(first);
    const watch = (async () => {
      for (;;) {
        const { staged } = await brain.reembedStatus();
        if (staged >= MEMORIES / 2) return first.kill('SIGKILL');
        if (first.exitCode !== null) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const duringFirst = await recallUntil(brain, firstExit);
    await watch;
    const killed = await firstExit;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const stopped = await brain.reembedStatus();
    expect(stopped.current).toEqual({ name: 'local-hash-v1', dimensions: 384 });
    expect(stopped.target).toEqual(NEW_EMBEDDER);
    expect(stopped.staged).toBeGreaterThanOrEqual(MEMORIES / 2);
    expect(stopped.staged).toBeLessThan(MEMORIES);
    expect(duringFirst.answered).toBeGreaterThan(0);
    expect(duringFirst.refused).toBe(0);

    // The second run continues from what the first staged, and switches.
    const second = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const secondExit = exited(second);
    const duringSecond = await recallUntil(brain, secondExit);
    const finished = await secondExit;
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(
      /^re-embedded 5,000 memories to openai:text-embedding-3-small \(256 dimensions\) \(continued an interrupted run; [\d,]+ memories embedded now\)\n/,
    );
    expect(finished.stdout).toContain(`set embedding: in ${config}`);
    expect(duringSecond.answered).toBeGreaterThan(0);

    // The first run's work was kept: what the two runs sent the model is every memory once, plus at most the
    // batch that was in flight when the first was killed.
    const inputs = server
      .requestsTo('/v1/embeddings')
      .reduce((sum, request) => sum + ((request.body as { input: string[] }).input?.length ?? 0), 0);
    expect(inputs).toBeGreaterThanOrEqual(MEMORIES);
    expect(inputs).toBeLessThanOrEqual(MEMORIES + BATCH_SIZE);

    // Exactly one vector per memory, of the new model's size, each the new model's vector of its text.
    const vectors = await backend.vectors();
    expect(vectors).toHaveLength(MEMORIES);
    expect(new Set(vectors.map((v) => `${v.bankId}/${v.id}`)).size).toBe(MEMORIES);
    expect(new Set(vectors.map((v) => v.text))).toEqual(new Set(written.map((m) => m.text)));
    for (const stored of vectors) {
      expect(stored.vector.length).toBe(NEW_EMBEDDER.dimensions);
      expect(cosine(stored.vector, fakeEmbeddingVector(stored.text, NEW_EMBEDDER.dimensions))).toBeCloseTo(1, 4);
    }
    expect(await backend.stagedRows()).toBe(0);
  } finally {
    await brain.close();
  }

  // The store now opens only with the new embedder.
  const old = await Astrocyte.fromConfig(config).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(EmbedderMismatchError.isInstance(old)).toBe(true);
  expect((old as Error).message).toContain('astrocyte reembed');
  const refused = await astrocyte(['recall', NEEDLE.query, '--bank', NEEDLE.bankId], { cwd: dir });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('openai:text-embedding-3-small (256 dimensions)');
  expect(refused.stderr).toContain('astrocyte reembed');
  writeFileSync(config, `${oldConfig}${newSection}`);
  const recalled = await astrocyte(['--json', 'recall', NEEDLE.query, '--bank', NEEDLE.bankId], { cwd: dir });
  expect(recalled.stderr).toBe('');
  expect(JSON.parse(recalled.stdout).hits[0].text).toBe(NEEDLE.text);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}
