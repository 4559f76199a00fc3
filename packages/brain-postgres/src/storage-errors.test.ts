import { inspect } from 'node:util';
import { AstrocyteError, ConfigError, StorageError } from '@astrocyte/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { backend } from './backend.js';
import { createPostgresBrain } from './create-postgres-brain.js';
import { openPostgresStore } from './postgres-memory-store.js';
import { vectorExtensionMissing } from './storage-errors.js';

const PASSWORD = 's3cr3t-Pa55word';

describe('unreachable server', () => {
  it('names host and port and never the password', async () => {
    const error = await createPostgresBrain({
      connectionString: `postgres://alice:${PASSWORD}@127.0.0.1:1/astrocyte`,
    }).catch((e) => e);
    expect(StorageError.isInstance(error)).toBe(true);
    expect(error.code).toBe('storage_unreachable');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.details).toMatchObject({ host: '127.0.0.1', port: 1 });
    for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: 10 }), String(error.stack)]) {
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('does the same for a pool the caller configured with a password field', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'alice', password: PASSWORD, database: 'x' });
    const error = await openPostgresStore({ pool }).catch((e) => e);
    expect(error).toMatchObject({ code: 'storage_unreachable', details: { host: '127.0.0.1', port: 1 } });
    expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
    await pool.end();
  });
});

describe('missing pgvector', () => {
  it('tells a server without pgvector to install it, and names the database to create it in', () => {
    // A real server without pgvector's files fails CREATE EXTENSION with this message (PostgreSQL 15); the test
    // server has the files, so this branch is checked on the error alone.
    const cause = new Error(
      'could not open extension control file "/usr/share/postgresql/15/extension/vector.control": No such file or directory',
    );
    const error = vectorExtensionMissing({ host: 'db.internal', port: 5432 }, cause, {
      database: 'agents',
      installedOnServer: false,
    });
    expect(error).toMatchObject({
      code: 'vector_extension_missing',
      details: { host: 'db.internal', port: 5432, database: 'agents', installedOnServer: false },
    });
    expect(error.message).toContain('does not have pgvector installed');
    expect(error.message).toContain('could not open extension control file');
    expect(error.details.fix).toMatch(
      /^install pgvector on the server .* then run CREATE EXTENSION vector; in database "agents" as a superuser$/,
    );
  });
});

describe('options', () => {
  const codeAndMessage = async (options: unknown) => {
    const error = await openPostgresStore(options as never).catch((e) => e);
    expect(ConfigError.isInstance(error)).toBe(true);
    return { field: error.details.field as string, message: error.message as string };
  };

  it('requires exactly one of connectionString and pool', async () => {
    expect(await codeAndMessage({})).toMatchObject({
      field: 'connectionString',
      message: expect.stringContaining('@astrocyte/brain-postgres'),
    });
    const pool = new pg.Pool();
    expect((await codeAndMessage({ connectionString: 'postgres://x', pool })).field).toBe('connectionString');
    await pool.end();
  });

  it('names the field of a bad schema, size or HNSW parameter', async () => {
    expect((await codeAndMessage({ connectionString: 'postgres://x', schema: 'Robert"; DROP' })).field).toBe('schema');
    expect((await codeAndMessage({ connectionString: 'postgres://x', maxConnections: 0 })).field).toBe(
      'maxConnections',
    );
    expect((await codeAndMessage({ connectionString: 'postgres://x', hnsw: { m: 16, efConstruction: 8 } })).field).toBe(
      'hnsw.efConstruction',
    );
  });

  it('asks for percent-encoding when a password breaks the URL, without repeating the password', async () => {
    for (const password of ['se#cret', 'se/cret', 'se?cret']) {
      const error = await openPostgresStore({
        connectionString: `postgres://postgres:${password}@127.0.0.1:5432/test`,
      }).catch((e) => e);
      expect(error).toMatchObject({
        code: 'invalid_options',
        details: { package: '@astrocyte/brain-postgres', field: 'connectionString' },
      });
      expect(error.message).toContain('percent-encode special characters in the user and password');
      expect(inspect(error, { depth: 10 })).not.toContain('cret');
      // astrocyte.yaml's storage.postgres.url is checked the same way, so that the error names that key and line.
      const url = backend.configSchema.safeParse({ url: `postgres://postgres:${password}@127.0.0.1:5432/test` });
      expect(url.error?.issues[0]).toMatchObject({ path: ['url'], message: expect.stringContaining('percent-encode') });
    }
    // Encoded, the same password is a connection string pg reads; a missing certificate it names is not a URL problem.
    const encoded = await openPostgresStore({
      connectionString: `postgres://postgres:${encodeURIComponent('se#cret')}@127.0.0.1:1/test`,
    }).catch((e) => e);
    expect(encoded.code).toBe('storage_unreachable');
    const certificate = await openPostgresStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/test?sslmode=require&sslrootcert=/nonexistent/root.crt',
    }).catch((e) => e);
    expect(certificate).toMatchObject({ code: 'storage_error', message: expect.stringContaining('ENOENT') });
  });

  it('rejects unknown options by name', async () => {
    const { field, message } = await codeAndMessage({ connectionString: 'postgres://x', maxConnection: 5 });
    expect(field).toBe('maxConnection');
    expect(message).toContain('maxConnections');
  });

  it('checks the pipeline options of createPostgresBrain the same way', async () => {
    const error = await createPostgresBrain({ connectionString: 'postgres://x', embedder: 'local' as never }).catch(
      (e) => e,
    );
    expect(AstrocyteError.isInstance(error)).toBe(true);
    expect(error.details).toMatchObject({ package: '@astrocyte/brain-postgres', field: 'embedder' });
    expect(await createPostgresBrain({} as never).catch((e) => e.details.field)).toBe('connectionString');
  });
});
