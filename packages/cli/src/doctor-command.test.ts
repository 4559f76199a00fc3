import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Astrocyte } from '@astrocyte/core';
import { smallDisk, startFakeProviderServer } from '@astrocyte/core/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { astrocyte, type CliRun, tempProject } from './cli-process.fixture.js';
import { postgresAnswers, TEST_DATABASE_URL } from './postgres.fixture.js';

const postgres = await postgresAnswers("astrocyte doctor's Postgres tests");

/** A local port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Check {
  check: string;
  status: 'ok' | 'problem' | 'skipped';
  summary: string;
  code?: string;
  fix?: string;
}

/** `astrocyte --json doctor` in `dir`: its checks by name, and the run. */
async function doctor(dir: string, args: string[] = []): Promise<{ run: CliRun; checks: Record<string, Check> }> {
  const run = await astrocyte(['--json', 'doctor', ...args], { cwd: dir });
  const { checks } = JSON.parse(run.stdout) as { checks: Check[] };
  return { run, checks: Object.fromEntries(checks.map((c) => [c.check, c])) };
}

const FAILED = (problems: number) =>
  `astrocyte: ${problems} problem${problems === 1 ? '' : 's'} found (fix: apply the fixes above, then run \`astrocyte doctor\` again)\n`;

// Every test spawns real processes; on a loaded machine that takes a while.
describe('astrocyte doctor', { timeout: 120_000 }, () => {
  it('finds nothing wrong with a SQLite setup, and says what it checked', async () => {
    const { dir, config } = tempProject();
    await astrocyte(['retain', 'The boiler was serviced in May'], { cwd: dir });
    const human = await astrocyte(['doctor'], { cwd: dir });
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.slice(0, 28).trimEnd())).toEqual([
      'ok       config',
      'ok       backend',
      'ok       store',
      'ok       vector extension',
      'ok       disk',
      'ok       embedder',
      'ok       embedding provider',
      'ok       llm provider',
    ]);
    expect(lines[0]).toContain(config);
    expect(lines[2]).toMatch(/SQLite 3\.\d+\.\d+ at .*memory\.db; schema version (\d+) of \1; 1 memory in 1 bank$/);
    expect(lines[3]).toMatch(/sqlite-vec v0\.\d+\.\d+$/);
    expect(lines[4]).toMatch(/\d+\.\d [KMGT]iB free on the disk of .*memory\.db, a file of \d+\.\d KiB$/);
    expect(lines[5]).toContain('local-hash-v1 (384 dimensions), the one the store was written with');
  });

  it('tells of a re-embedding left in progress, and how to continue or drop it', async () => {
    const server = await startFakeProviderServer();
    try {
      const { dir, config } = tempProject();
      await astrocyte(['retain', 'The boiler was serviced in May'], { cwd: dir });
      await astrocyte(['retain', 'The gutters were cleaned in June'], { cwd: dir });
      const brain = await Astrocyte.fromConfig(config);
      const stop = new AbortController();
      const to = { provider: 'openai', model: 'fake-small', dimensions: 256, base_url: server.openaiBaseURL };
      await brain
        .reembed({
          to,
          batchSize: 1,
          signal: stop.signal,
          onProgress: (p) => {
            if (p.staged >= 1) stop.abort();
          },
        })
        .catch(() => undefined);
      await brain.close();
      const { run, checks } = await doctor(dir);
      expect(run.code).toBe(0);
      expect(checks.embedder).toMatchObject({
        status: 'ok',
        summary: expect.stringContaining(
          'a re-embedding to openai:fake-small (256 dimensions) is in progress (1 of 2 staged): continue it with `astrocyte reembed --to',
        ),
      });
      expect(checks.embedder?.summary).toContain('`astrocyte reembed --cancel`');
    } finally {
      await server.close();
    }
  });

  it('reports a config that does not load, with the fix, and skips the checks that need it', async () => {
    const { dir } = tempProject('embeding:\n  provider: local\n');
    const { run, checks } = await doctor(dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(FAILED(1));
    expect(checks.config).toMatchObject({
      status: 'problem',
      code: 'invalid_config',
      summary: expect.stringContaining('did you mean "embedding"?'),
      fix: expect.stringContaining('correct the key named above'),
    });
    expect(Object.values(checks).filter((c) => c.status === 'skipped')).toHaveLength(7);
  });

  it('gives a config that is a folder, or not YAML, a fix that names no key', async () => {
    const { dir, config } = tempProject();
    writeFileSync(config, 'storage: [unclosed\n');
    const { checks } = await doctor(dir);
    expect(checks.config).toMatchObject({
      status: 'problem',
      summary: expect.stringContaining(`${config}:2: invalid YAML`),
      fix: 'correct the config file where the message above says; `astrocyte init` writes a template with every key explained',
    });
    const folder = await doctor(dir, ['--config', dir]);
    expect(folder.checks.config).toMatchObject({
      status: 'problem',
      fix: 'point --config (or $ASTROCYTE_CONFIG) at a YAML file this user may read, not a folder',
    });
  });

  it('reports a SQLite path that holds another kind of file, with the fix, and leaves the file as it was', async () => {
    const { dir, config } = tempProject();
    const text = 'Shopping: eggs, flour, the good olive oil\n';
    writeFileSync(join(dir, 'memory.db'), text);
    const { run, checks } = await doctor(dir);
    expect(run.code).toBe(1);
    expect(checks.store).toMatchObject({
      status: 'problem',
      code: 'storage_corrupt',
      summary: expect.stringContaining('the file is not a SQLite database, or is damaged'),
      fix: `point storage.sqlite.path in ${config} at the store's file, or restore the file from a backup (docs/operations.md, Backups); \`sqlite3 <file> 'PRAGMA integrity_check'\` lists what is damaged`,
    });
    expect(readFileSync(join(dir, 'memory.db'), 'utf8')).toBe(text);
  });

  it('reports a SQLite path on a read-only disk, with the fix', async () => {
    const disk = smallDisk(16 * 1024 ** 2);
    if (disk === null) return;
    try {
      const { dir, config } = tempProject();
      writeFileSync(config, `storage:\n  backend: sqlite\n  sqlite:\n    path: ${disk.path}/memory.db\n`);
      expect(spawnSync('mount', ['-o', 'remount,ro', disk.path]).status).toBe(0);
      const { checks } = await doctor(dir);
      expect(checks.store).toMatchObject({
        status: 'problem',
        code: 'storage_permission_denied',
        fix: `let this user create and write files in the folder of storage.sqlite.path, or point it at one it may write (${config})`,
      });
    } finally {
      disk.remove();
    }
  });

  it('reports a SQLite file on a disk without room for a copy of it and 256 MiB more, with the fix', async () => {
    const disk = smallDisk(64 * 1024 ** 2);
    if (disk === null) return;
    try {
      const { dir, config } = tempProject();
      writeFileSync(config, `storage:\n  backend: sqlite\n  sqlite:\n    path: ${disk.path}/memory.db\n`);
      const { run, checks } = await doctor(dir);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(FAILED(1));
      expect(checks.disk).toEqual({
        check: 'disk',
        status: 'problem',
        summary: expect.stringMatching(/^\d+\.\d MiB free on the disk of .*\/memory\.db, a file of \d+\.\d KiB$/),
        fix: 'free space on that disk, or move the file to a larger one: keep room for a copy of the file (compact writes one) and 256 MiB more; a write that does not fit fails with storage_full',
      });
    } finally {
      disk.remove();
    }
  });

  it('reports an embedder mismatch: a store written with one embedder, a config naming another', async () => {
    const server = await startFakeProviderServer();
    try {
      const { dir, config } = tempProject();
      await astrocyte(['retain', 'Standup moved to 9:45'], { cwd: dir });
      writeFileSync(
        config,
        `storage:\n  backend: sqlite\n  sqlite:\n    path: ./memory.db\nembedding:\n  provider: openai\n  model: text-embedding-3-small\n  dimensions: 256\n  base_url: ${server.openaiBaseURL}\n`,
      );
      const { run, checks } = await doctor(dir);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(FAILED(1));
      expect(checks.embedder).toEqual({
        check: 'embedder',
        status: 'problem',
        code: 'embedder_mismatch',
        summary:
          'the store was written with local-hash-v1 (384 dimensions) but the config names openai:text-embedding-3-small (256 dimensions)',
        fix: expect.stringContaining(`set embedding back to { provider: local, dimensions: 384 }`),
      });
      expect(checks.embedder?.fix).toContain('astrocyte reembed --to');
      // The endpoint itself is fine: one embedding request, answered with the configured size.
      expect(checks.embedding_provider).toMatchObject({
        status: 'ok',
        summary: `openai:text-embedding-3-small at ${server.openaiBaseURL} answered with 256 dimensions`,
      });
      expect(server.requestsTo('/v1/embeddings')).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('reports OpenAI-compatible endpoints that do not answer (a closed port), with the fix, and no secret of their URL', async () => {
    const port = await closedPort();
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    // A proxy's password in the URL, or Azure's key in its query, is printed by nothing.
    const withSecrets = `http://proxy-user:s3cret-pass@127.0.0.1:${port}/v1?api-key=s3cret-key`;
    const { dir, config } = tempProject(
      `embedding:\n  provider: openai\n  dimensions: 256\n  base_url: ${baseUrl}\nllm:\n  provider: openai\n  base_url: "${withSecrets}"\n`,
    );
    const { run, checks } = await doctor(dir, ['--timeout', '3000']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(FAILED(2));
    expect(checks.embedding_provider).toMatchObject({
      status: 'problem',
      code: 'provider_error',
      summary: expect.stringContaining('could not connect'),
      fix: `start the server at ${baseUrl}, or correct embedding.base_url in ${config}`,
    });
    expect(checks.llm_provider).toMatchObject({
      status: 'problem',
      code: 'provider_error',
      fix: `start the server at ${baseUrl}, or correct llm.base_url in ${config}`,
    });
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/s3cret/);
    // A store with no embedder recorded yet is no problem: the first retain records the configured one.
    expect(checks.embedder).toMatchObject({ status: 'ok', summary: expect.stringContaining('none recorded yet') });
  });

  it('lists the models of the LLM endpoint, Anthropic or OpenAI-compatible, and reports rejected credentials', async () => {
    const server = await startFakeProviderServer({ apiKey: 'sk-right' });
    try {
      const anthropic = tempProject(
        `llm:\n  provider: anthropic\n  model: claude-sonnet-4-6\n  api_key: sk-right\n  base_url: ${server.anthropicBaseURL}\n`,
      );
      const answered = await doctor(anthropic.dir);
      expect(answered.run.code).toBe(0);
      expect(answered.checks.llm_provider).toEqual({
        check: 'llm_provider',
        status: 'ok',
        summary: `anthropic at ${server.anthropicBaseURL} answered; claude-sonnet-4-6 is among its 3 models`,
      });
      const openai = tempProject(
        `llm:\n  provider: openai\n  model: gpt-4.1-mini\n  api_key: sk-wrong\n  base_url: ${server.openaiBaseURL}\n`,
      );
      const refused = await doctor(openai.dir);
      expect(refused.run.code).toBe(1);
      expect(refused.checks.llm_provider).toMatchObject({
        status: 'problem',
        code: 'provider_auth',
        fix: `set a valid llm.api_key in ${openai.config} (or the provider's key variable); the endpoint refused this one`,
      });
      // The key is neither printed nor sent anywhere but to the endpoint.
      expect(refused.run.stdout).not.toContain('sk-wrong');
      // A model list costs no tokens: nothing else was asked of the endpoint.
      expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models', 'GET /v1/models']);
    } finally {
      await server.close();
    }
  });

  it('reports a Postgres server that does not answer (a closed port), with the fix', async () => {
    const { dir, config } = tempProject();
    writeFileSync(
      config,
      'storage:\n  backend: postgres\n  postgres:\n    url: postgres://astrocyte@127.0.0.1:1/astrocyte\n',
    );
    const { run, checks } = await doctor(dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(FAILED(1));
    expect(checks.backend).toMatchObject({ status: 'ok', summary: '@astrocyte/brain-postgres' });
    expect(checks.store).toMatchObject({
      status: 'problem',
      code: 'storage_unreachable',
      summary: expect.stringContaining('cannot reach Postgres at 127.0.0.1:1'),
      fix: `start the database server at 127.0.0.1:1, or correct the host and port in storage.postgres of ${config}`,
    });
    expect(checks.vector_extension).toMatchObject({ status: 'skipped', summary: 'needs the store' });
    expect(checks.embedder).toMatchObject({ status: 'skipped' });
    // Any other command sends the user to doctor, which names the fix, rather than to a stack trace.
    const retain = await astrocyte(['retain', 'a fact'], { cwd: dir });
    expect(retain.code).toBe(1);
    expect(retain.stderr).toMatch(
      /^astrocyte: @astrocyte\/brain-postgres: cannot reach Postgres at 127\.0\.0\.1:1 .* \(fix: run `astrocyte doctor`: it checks the store and names what to change\)\n$/,
    );
  });

  describe.runIf(postgres)('on Postgres', () => {
    /** A new database (owned by `owner` when given), dropped after `use`; its connection string is given to `use`. */
    async function withDatabase(use: (url: string) => Promise<void>, owner?: string): Promise<void> {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      const database = `astro_doctor_${randomBytes(4).toString('hex')}`;
      try {
        await admin.query(`CREATE DATABASE ${database}${owner ? ` OWNER ${owner}` : ''}`);
        const url = new URL(TEST_DATABASE_URL);
        url.pathname = `/${database}`;
        if (owner) url.username = owner;
        await use(url.toString());
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await admin.end();
      }
    }

    const postgresProject = (url: string) => {
      const project = tempProject();
      writeFileSync(project.config, `storage:\n  backend: postgres\n  postgres:\n    url: ${url}\n`);
      return project;
    };

    it('reports a database where pgvector cannot be created, with the fix', async () => {
      // What is simulated: this server has pgvector's files, and it cannot be uninstalled for a test. The database is
      // new (no CREATE EXTENSION vector in it) and owned by a role that is not superuser, and pgvector is not a trusted
      // extension, so the store's CREATE EXTENSION fails, as it does on a server without the package (which fails
      // with "could not open extension control file"). Doctor tells the two apart by pg_available_extensions; the
      // message of the other case is checked in brain-postgres's storage-errors.test.ts.
      const role = `astro_doctor_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      try {
        await withDatabase(async (url) => {
          const database = new URL(url).pathname.slice(1);
          const { dir } = postgresProject(url);
          const { run, checks } = await doctor(dir);
          expect(run.code).toBe(1);
          expect(run.stderr).toBe(FAILED(1));
          expect(checks.store).toMatchObject({
            status: 'skipped',
            summary: 'opens once its vector extension is there',
          });
          expect(checks.vector_extension).toMatchObject({
            status: 'problem',
            code: 'vector_extension_missing',
            summary: expect.stringContaining(`not created in database "${database}", and this user may not create it`),
            fix: `run CREATE EXTENSION vector; in database "${database}" as a superuser once (or open the store once as a superuser, which creates it)`,
          });
        }, role);
      } finally {
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
        await admin.end();
      }
    });

    it('is content with a database without the extension when the store may create it, and names its version', async () => {
      await withDatabase(async (url) => {
        const { dir } = postgresProject(url);
        const { run, checks } = await doctor(dir);
        expect(run.code).toBe(0);
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const { rows } = await client.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
        await client.end();
        // Opening the store created the extension, as the first command on a new database does.
        expect(checks.vector_extension).toEqual({
          check: 'vector_extension',
          status: 'ok',
          summary: `pgvector ${rows[0]?.extversion}`,
        });
        expect(checks.store?.summary).toMatch(
          /^PostgreSQL \d+\.\d+ at .*, schema astrocyte; schema version (\d+) of \1;/,
        );
        // The server's disk is not this machine's to check.
        expect(checks.disk).toMatchObject({
          status: 'ok',
          summary: expect.stringMatching(
            /^no file on this machine \(.*, schema astrocyte\); watch a server's disk there$/,
          ),
        });
      });
    });
  });
});
