import { AccessDeniedError } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { memoryStoresPerTest } from './__fixtures__/memory-store-fixture.js';
import { diffBankWithMemoryStore } from './memory-store-diff.js';
import { pullMemoryStoreToBank } from './memory-store-pull.js';
import { pushBankToMemoryStore } from './memory-store-push.js';

const start = memoryStoresPerTest();

// Each user owns the bank named after them; agent:reader may read every bank and write none.
const access = {
  grants: [
    { principal: 'user:{bank}', banks: '{bank}', permissions: ['read' as const, 'write' as const, 'forget' as const] },
    { principal: 'agent:reader', banks: '*', permissions: ['read' as const] },
  ],
};

describe('push, diff and pull with access configured', () => {
  it('without a principal, are denied before any request to the store; a reader may diff but not pull', async () => {
    const { client, brain, bankId, memoryStoreId, emulator } = await start({ access });
    await brain.retain('The standup is at ten.', { bankId, context: { principal: bankId } });
    await client.beta.memoryStores.memories.create(memoryStoreId, { path: '/notes/a.md', content: 'A note.' });
    const requests = emulator.requests.length;

    for (const attempt of [
      pushBankToMemoryStore(client, brain, { bankId, memoryStoreId }),
      diffBankWithMemoryStore(client, brain, { bankId, memoryStoreId }),
      pullMemoryStoreToBank(client, brain, { bankId, memoryStoreId }),
      pushBankToMemoryStore(client, brain, { bankId, memoryStoreId, context: { principal: 'someone-else' } }),
    ]) {
      const error = await attempt.catch((e) => e);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error.details).toMatchObject({ bank: bankId, permission: 'read' });
    }
    expect(emulator.requests.length).toBe(requests);

    const reader = { principal: 'agent:reader' };
    expect(await diffBankWithMemoryStore(client, brain, { bankId, memoryStoreId, context: reader })).toMatchObject({
      create: [expect.objectContaining({ path: expect.stringMatching(new RegExp(`^/${bankId}/`)) })],
    });
    const pull = await pullMemoryStoreToBank(client, brain, { bankId, memoryStoreId, context: reader }).catch((e) => e);
    expect(pull).toBeInstanceOf(AccessDeniedError);
    expect(pull.details).toMatchObject({ principal: 'agent:reader', bank: bankId, permission: 'write' });
    expect((await brain.list(bankId, { context: reader })).items.map((m) => m.text)).toEqual([
      'The standup is at ten.',
    ]);
  });

  it('as a principal granted the bank, push, diff and pull work, erasure included', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start({ access });
    const context = { principal: bankId };
    const kept = await brain.retain('The standup is at ten.', { bankId, context });
    const gone = await brain.retain('The spare key is under the mat.', { bankId, context });

    const diff = await diffBankWithMemoryStore(client, brain, { bankId, memoryStoreId, context });
    expect(diff.create.map((c) => c.memoryId).sort()).toEqual([kept.memoryId, gone.memoryId].sort());
    expect(await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId, context })).toMatchObject({
      created: 2,
    });

    // The push follows the forgotten memory through the bank's history, which with access needs the principal too.
    await brain.forget(bankId, { memoryIds: [gone.memoryId as string], context });
    const second = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId, context });
    expect(second).toMatchObject({ created: 0, deleted: 1, unchanged: 1 });
    expect(second.redacted).toBeGreaterThan(0);
    expect([...(await files()).keys()]).toEqual([`/${bankId}/${kept.memoryId}.md`]);

    await client.beta.memoryStores.memories.create(memoryStoreId, {
      path: '/notes/lunch.md',
      content: 'Lunch at noon.',
    });
    const pulled = await pullMemoryStoreToBank(client, brain, { bankId, memoryStoreId, context });
    expect(pulled).toMatchObject({ read: 2, stored: 1, skipped: 1, failed: [] });
    const again = await pullMemoryStoreToBank(client, brain, { bankId, memoryStoreId, context });
    expect(again).toMatchObject({ read: 2, stored: 0, unchanged: 1, skipped: 1 });
    const [version] = await brain.history(bankId, pulled.memoryIds[0] as string, { context });
    expect(version?.actor).toBe(`user:${bankId}`);
  });

  it('rejects a malformed principal in the context with a ValidationError naming the field', async () => {
    const { client, brain, bankId, memoryStoreId, emulator } = await start({ access });
    const requests = emulator.requests.length;
    const push = await pushBankToMemoryStore(client, brain, {
      bankId,
      memoryStoreId,
      context: { principal: 'robot:r2' },
    }).catch((e) => e);
    expect(push).toMatchObject({ code: 'invalid_input', details: { field: 'context.principal' } });
    expect(push.message).toContain('pushBankToMemoryStore, @astrocyte/managed-agents');
    const diff = await diffBankWithMemoryStore(client, brain, {
      bankId,
      memoryStoreId,
      context: { principal: bankId, onBehalfOf: '' },
    }).catch((e) => e);
    expect(diff).toMatchObject({ code: 'invalid_input', details: { field: 'context.onBehalfOf' } });
    const pull = await pullMemoryStoreToBank(client, brain, {
      bankId,
      memoryStoreId,
      context: { principal: 'has space' },
    }).catch((e) => e);
    expect(pull).toMatchObject({ code: 'invalid_input', details: { field: 'context.principal' } });
    expect(emulator.requests.length).toBe(requests);
  });
});
