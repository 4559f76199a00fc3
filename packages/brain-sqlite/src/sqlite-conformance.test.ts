import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryStore } from '@astrocyte/core';
import {
  describeAccessLedgerConformance,
  describeBrainConformance,
  describeMemoryStoreConformance,
} from '@astrocyte/core/testing';
import { afterAll } from 'vitest';
import { openSqliteStore, type SqliteMemoryStore } from './sqlite-memory-store.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-sqlite-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const paths = new WeakMap<MemoryStore, string>();
const onFile = {
  async create() {
    const path = join(dir, `store-${files++}.db`);
    const store = await openSqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  async reopen(store: MemoryStore) {
    const path = paths.get(store) ?? (store as SqliteMemoryStore).database.name;
    const again = await openSqliteStore({ path });
    paths.set(again, path);
    return again;
  },
};
// A second connection to the file, open beside the first, as another process would have.
const onFileTwice = { ...onFile, sibling: onFile.reopen };
const inMemory = { create: () => openSqliteStore({ path: ':memory:' }) };

describeMemoryStoreConformance('sqlite (file)', onFile);
describeMemoryStoreConformance('sqlite (:memory:)', inMemory);
describeBrainConformance('sqlite (file)', onFile);
describeBrainConformance('sqlite (:memory:)', inMemory);
describeAccessLedgerConformance('sqlite (file, two connections)', onFileTwice);
describeAccessLedgerConformance('sqlite (:memory:)', inMemory);
