import { randomUUID } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import { type AccessOptions, type Astrocyte, Governance, type GovernanceOptions } from '@astrocyte/core';
import { afterEach } from 'vitest';
import { type ManagedAgentsEmulator, type ScriptedAgent, startManagedAgentsEmulator } from '../emulator/index.js';

/** An emulator, an SDK client pointed at it, a real brain (SQLite in memory), a bank and an empty memory store. */
export interface MemoryStoreFixture {
  emulator: ManagedAgentsEmulator;
  client: Anthropic;
  brain: Astrocyte;
  bankId: string;
  memoryStoreId: string;
  /** How many requests changed a memory store (anything but a GET) since the fixture started or `writes` was reset. */
  writes(): number;
  resetWrites(): void;
  /** Every memory of the store, with content, by path. */
  files(): Promise<Map<string, string>>;
  /** The content of every version of the store, redacted ones as null. */
  versionContents(): Promise<(string | null)[]>;
}

/** What a fixture is built with: the brain's governance and access control, and the scripted agent. */
export interface MemoryStoreFixtureOptions {
  governance?: GovernanceOptions;
  access?: AccessOptions;
  agent?: ScriptedAgent;
}

/** For the tests of a file (call once, at the top level): fixtures closed after the test that started them. */
export function memoryStoresPerTest(): (options?: MemoryStoreFixtureOptions) => Promise<MemoryStoreFixture> {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((close) => close()));
  });
  return async (options = {}) => {
    const emulator = await startManagedAgentsEmulator({ agent: options.agent ?? ((turn) => turn.say('ok')) });
    const brain = await createSqliteBrain({
      path: ':memory:',
      ...(options.governance ? { governance: new Governance(options.governance) } : {}),
      ...(options.access ? { access: options.access } : {}),
    });
    open.push(async () => {
      await brain.close();
      await emulator.close();
    });
    const client = new Anthropic({ baseURL: emulator.url, apiKey: 'test-key' });
    const store = await client.beta.memoryStores.create({ name: 'Team memory' });
    let mark = 0;
    const changing = () => emulator.requests.filter((r) => r.method !== 'GET' && r.path.includes('/memory_stores/'));
    return {
      emulator,
      client,
      brain,
      bankId: `bank-${randomUUID().slice(0, 8)}`,
      memoryStoreId: store.id,
      writes: () => changing().length - mark,
      resetWrites: () => {
        mark = changing().length;
      },
      files: async () => {
        const files = new Map<string, string>();
        for await (const item of client.beta.memoryStores.memories.list(store.id, { view: 'full', limit: 20 }))
          if (item.type === 'memory') files.set(item.path, item.content ?? '');
        return files;
      },
      versionContents: async () => {
        const contents: (string | null)[] = [];
        for await (const version of client.beta.memoryStores.memoryVersions.list(store.id, { view: 'full' }))
          contents.push(version.content ?? null);
        return contents;
      },
    };
  };
}
