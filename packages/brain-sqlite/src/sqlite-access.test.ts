import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAccessConformance } from '@astrocyte/core/testing';
import { afterAll } from 'vitest';
import { openSqliteStore } from './sqlite-memory-store.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-sqlite-access-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describeAccessConformance('sqlite', {
  create: () => openSqliteStore({ path: join(dir, `store-${files++}.db`) }),
});
