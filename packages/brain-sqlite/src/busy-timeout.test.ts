import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { StorageError } from '@astrocyte/core';
import { axisVector, memoryRecord } from '@astrocyte/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';
import { SCHEMA_VERSION } from './migrations.js';
import { openSqliteStore, type SqliteMemoryStore } from './sqlite-memory-store.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Another connection (a thread of its own, as another process would be) takes the file's write lock and releases it
// after `ms`; resolves once it holds the lock.
async function holdWriteLock(path: string, ms: number): Promise<{ done: Promise<void> }> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const Database = require(workerData.driver);
     const db = new Database(workerData.path);
     db.exec('BEGIN IMMEDIATE');
     parentPort.postMessage('locked');
     setTimeout(() => { db.exec('COMMIT'); db.close(); }, workerData.ms);`,
    { eval: true, workerData: { path, ms, driver: createRequire(import.meta.url).resolve('better-sqlite3') } },
  );
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { done: new Promise((resolve) => worker.once('exit', () => resolve())) };
}

async function openStore(name: string, busyTimeoutMs: number): Promise<SqliteMemoryStore> {
  const store = await openSqliteStore({ path: join(dir, name), busyTimeoutMs });
  await store.ensureEmbedder({ name: 'test', dimensions: 8 });
  return store;
}

const insertNote = (store: SqliteMemoryStore, text: string) =>
  store.insert([memoryRecord('bank', text, { embedding: axisVector(8, 1), createdAt: new Date() })], {
    nearDuplicateThreshold: null,
  });

const storedNotes = (store: SqliteMemoryStore) =>
  store.database.prepare('SELECT count(*) FROM memories').pluck().get() as number;

// A sampling CPU profiler, as production profilers run one: V8 interrupts the thread with SIGPROF every `interval` µs.
async function profiled<T>(fn: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    await session.post('Profiler.stop');
    session.disconnect();
  }
}

describe('waiting for another connection’s write lock', () => {
  it('fails with storage_busy once the busy timeout has passed, and stores nothing', async () => {
    const store = await openStore('held.db', 200);
    const lock = await holdWriteLock(join(dir, 'held.db'), 800);
    const started = performance.now();
    const error = await insertNote(store, 'never stored').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('storage_busy');
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await lock.done;
    expect(storedNotes(store)).toBe(0);
    await store.close();
  });

  it('waits for the lock between turns of the event loop, so timers and a holder in this process go on', async () => {
    const store = await openStore('turns.db', 5000);
    const lock = await holdWriteLock(join(dir, 'turns.db'), 300);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const [outcome] = await insertNote(store, 'stored after the lock');
    clearInterval(timer);
    expect(outcome?.status).toBe('stored');
    // About 60 in 300 ms; none while SQLite's busy handler held the thread.
    expect(ticks).toBeGreaterThan(20);
    await lock.done;
    // An application's own connection to the file, in this thread, holds the lock until a timer of its ends it.
    const own = new Database(join(dir, 'turns.db'));
    own.exec('BEGIN IMMEDIATE');
    setTimeout(() => own.exec('COMMIT'), 100);
    const [second] = await insertNote(store, 'stored after this process released the lock');
    expect(second?.status).toBe('stored');
    own.close();
    expect(storedNotes(store)).toBe(2);
    expect(store.database.pragma('busy_timeout', { simple: true })).toBe(5000);
    await store.close();
  });

  it('waits out a lock shorter than the busy timeout, even under a CPU profiler’s signals', async () => {
    const store = await openStore('profiled.db', 5000);
    const lock = await holdWriteLock(join(dir, 'profiled.db'), 400);
    const started = performance.now();
    // Signals cut SQLite's sleeps short; counted as slept in full, they would spend the 5 s in a few milliseconds.
    const [outcome] = await profiled(() => insertNote(store, 'stored after the lock'));
    expect(outcome?.status).toBe('stored');
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    await lock.done;
    // The short write path (the access ledger's) waits the same way.
    const second = await holdWriteLock(join(dir, 'profiled.db'), 400);
    const total = await profiled(() => store.accessLedger.addToCounter('recalls', new Date(), 1, new Date(0)));
    expect(total).toBe(1);
    await second.done;
    expect(storedNotes(store)).toBe(1);
    // The retries leave the store's own busy timeout as it was.
    expect(store.database.pragma('busy_timeout', { simple: true })).toBe(5000);
    await store.close();
  });

  it('brings an older file up to date under a CPU profiler’s signals, waiting out another connection’s lock', async () => {
    const written = await openStore('migrated.db', 5000);
    await insertNote(written, 'stored before the upgrade');
    // The file as schema version 6 left it: what versions 7 and 10 added is dropped and the version set back.
    written.database.exec(
      `DROP TABLE access_counters; DROP TABLE access_audit; ALTER TABLE memory_versions DROP COLUMN document_id;
       UPDATE astrocyte_meta SET value = '6' WHERE key = 'schema_version'`,
    );
    await written.close();
    const lock = await holdWriteLock(join(dir, 'migrated.db'), 400);
    const store = await profiled(() => openStore('migrated.db', 5000));
    const version = store.database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'schema_version'").pluck();
    expect(version.get()).toBe(String(SCHEMA_VERSION));
    expect(storedNotes(store)).toBe(1);
    await lock.done;
    await store.close();
  });

  it('opens a store on a current file while another connection holds the write lock, and reads it', async () => {
    const first = await openStore('open-while-locked.db', 5000);
    await insertNote(first, 'stored before the lock');
    await first.close();
    const lock = await holdWriteLock(join(dir, 'open-while-locked.db'), 1500);
    // A busy timeout far shorter than the lock: neither the schema check nor the embedder's may wait for it.
    const store = await openStore('open-while-locked.db', 200);
    expect(storedNotes(store)).toBe(1);
    await lock.done;
    await store.close();
  });

  it('opens a brain on a current file while another connection holds the write lock, and recalls from it', async () => {
    const path = join(dir, 'brain-while-locked.db');
    const first = await createSqliteBrain({ path });
    await first.retain('The user is allergic to peanuts', { bankId: 'user' });
    await first.close();
    const lock = await holdWriteLock(path, 1500);
    const brain = await createSqliteBrain({ path, busyTimeoutMs: 200 });
    const { hits } = await brain.recall('peanuts', { bankId: 'user' });
    expect(hits.map((hit) => hit.text)).toEqual(['The user is allergic to peanuts']);
    await lock.done;
    await brain.close();
  });
});
