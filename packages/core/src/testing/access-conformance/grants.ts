import { describe, expect, it } from 'vitest';
import type { Grant } from '../../access/access-types.js';
import { Governance } from '../../governance/governance.js';
import { manualClock } from '../brain-conformance/harness.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { accessHarness, expectDenied, storeContents } from './access-harness.js';

const DAY = 86_400_000;
const ALICE = 'user:alice';
// Writes the memories the tests read; no test's subject holds this grant.
const SEEDER: Grant = { principal: 'service:seed', banks: '*', permissions: ['write'] };
const seed = { context: { principal: 'service:seed' } };

/** Grants: who may read, write, forget and administer which banks, and what a denial leaves untouched. */
export function describeGrants(factory: StoreFactory): void {
  describe('grants', () => {
    const makeBrain = accessHarness(factory);

    it('a principal with read on alice-* recalls there, and on bob-* is denied with nothing returned or changed', async () => {
      const brain = await makeBrain({
        grants: [{ principal: ALICE, banks: 'alice-*', permissions: ['read'] }, SEEDER],
      });
      const [aliceBank, bobBank] = [randomBankId('alice'), randomBankId('bob')];
      const mine = await brain.retain('The launch review moved to Thursday', { bankId: aliceBank, ...seed });
      const theirs = await brain.retain('The launch budget is confidential', { bankId: bobBank, ...seed });
      const context = { principal: ALICE };
      const { hits } = await brain.recall('launch', { bankId: aliceBank, context });
      expect(hits.map((hit) => hit.memoryId)).toEqual([mine.memoryId]);
      // A bare name is a user.
      expect((await brain.list(aliceBank, { context: { principal: 'alice' } })).items).toHaveLength(1);

      const before = await storeContents(brain, [aliceBank, bobBank]);
      const denied = { principal: ALICE, bank: bobBank, permission: 'read' };
      await expectDenied(brain.recall('launch', { bankId: bobBank, context }), denied);
      await expectDenied(brain.recall('launch', { bankIds: [aliceBank, bobBank], context }), denied);
      await expectDenied(brain.reflect('launch', { bankIds: [aliceBank, bobBank], context }), denied);
      await expectDenied(brain.list(bobBank, { context }), denied);
      await expectDenied(brain.history(bobBank, theirs.memoryId as string, { context }), denied);
      await expectDenied(brain.explain('launch', { bankId: bobBank, context }), denied);
      const write = { principal: ALICE, bank: aliceBank, permission: 'write' };
      await expectDenied(brain.retain('The launch moved again', { bankId: aliceBank, context }), write);
      expect(await storeContents(brain, [aliceBank, bobBank])).toBe(before);
    });

    it('a retain, forget or correction without the permission changes nothing', async () => {
      const brain = await makeBrain({
        grants: [{ principal: ALICE, banks: 'alice-*', permissions: ['read'] }, SEEDER],
      });
      const bankId = randomBankId('alice');
      const kept = await brain.retain('The parking permit renews in March', { bankId, ...seed });
      const before = await storeContents(brain, [bankId]);
      const context = { principal: ALICE };
      const write = { principal: ALICE, bank: bankId, permission: 'write' };
      await expectDenied(brain.retain('A new fact', { bankId, context }), write);
      await expectDenied(
        brain.retain('The permit renews in April', { bankId, supersedes: kept.memoryId as string, context }),
        write,
      );
      await expectDenied(brain.retainMany([{ content: 'One' }, { content: 'Two' }], { bankId, context }), write);
      await expectDenied(brain.retainConversation([{ speaker: 'alice', text: 'Hello' }], { bankId, context }), write);
      const forget = { principal: ALICE, bank: bankId, permission: 'forget' };
      await expectDenied(brain.forget(bankId, { memoryIds: [kept.memoryId as string], context }), forget);
      await expectDenied(brain.forget(bankId, { before: new Date('2100-01-01'), context }), forget);
      expect(await storeContents(brain, [bankId])).toBe(before);
    });

    it('an operation without a principal is denied', async () => {
      const brain = await makeBrain({ grants: [{ principal: '*', banks: '*', permissions: ['admin'] }] });
      const bankId = randomBankId();
      const denied = (permission: string) => ({ principal: null, bank: bankId, permission });
      await expectDenied(brain.retain('Anonymous note', { bankId }), denied('write'));
      await expectDenied(brain.recall('note', { bankId }), denied('read'));
      await expectDenied(brain.banks(), { principal: null, bank: '*', permission: 'read' });
      await expectDenied(brain.purgeExpired(), { principal: null, bank: '*', permission: 'admin' });
      expect(await storeContents(brain, [bankId])).toBe(
        JSON.stringify({ banks: [], live: [{ items: [], nextCursor: null }], versions: [] }),
      );
    });

    it('onBehalfOf narrows an agent to what both it and the user it acts for may do', async () => {
      const brain = await makeBrain({
        grants: [
          { principal: 'agent:support-bot', banks: '*', permissions: ['read', 'write'] },
          { principal: ALICE, banks: 'alice-*', permissions: ['read'] },
          SEEDER,
        ],
      });
      const [aliceBank, bobBank] = [randomBankId('alice'), randomBankId('bob')];
      await brain.retain('Alice prefers email follow-ups', { bankId: aliceBank, ...seed });
      await brain.retain('Bob prefers phone follow-ups', { bankId: bobBank, ...seed });
      const agent = { principal: 'agent:support-bot' };
      expect((await brain.recall('follow-ups', { bankId: bobBank, context: agent })).hits).toHaveLength(1);

      const context = { ...agent, onBehalfOf: 'alice' };
      expect((await brain.recall('follow-ups', { bankId: aliceBank, context })).hits).toHaveLength(1);
      const before = await storeContents(brain, [aliceBank, bobBank]);
      const denied = { principal: 'agent:support-bot', onBehalfOf: ALICE };
      await expectDenied(brain.recall('follow-ups', { bankId: bobBank, context }), {
        ...denied,
        bank: bobBank,
        permission: 'read',
      });
      // The agent may write, Alice may not: acting for her, it may not either.
      await expectDenied(brain.retain('Alice moved to Lisbon', { bankId: aliceBank, context }), {
        ...denied,
        bank: aliceBank,
        permission: 'write',
      });
      expect(await storeContents(brain, [aliceBank, bobBank])).toBe(before);
      expect((await brain.banks({ context })).map((bank) => bank.bankId)).toEqual([aliceBank]);
    });

    it('forget all needs admin on the bank: denied without it, done with it, and audited', async () => {
      const admin = 'user:admin';
      const brain = await makeBrain({
        grants: [
          { principal: ALICE, banks: 'alice-*', permissions: ['read', 'write', 'forget'] },
          { principal: admin, banks: 'alice-*', permissions: ['admin'] },
        ],
      });
      const bankId = randomBankId('alice');
      const context = { principal: ALICE };
      const results = await brain.retainMany([{ content: 'First note' }, { content: 'Second note' }], {
        bankId,
        context,
      });
      const ids = results.map((result) => result.memoryId as string);
      const before = await storeContents(brain, [bankId]);
      await expectDenied(brain.forget(bankId, { all: true, context }), {
        principal: ALICE,
        bank: bankId,
        permission: 'admin',
      });
      expect(await storeContents(brain, [bankId])).toBe(before);

      expect(await brain.forget(bankId, { all: true, context: { principal: admin } })).toEqual({ deletedCount: 2 });
      expect((await brain.list(bankId, { context })).items).toEqual([]);
      const { items } = await brain.audit({ bankId, context: { principal: admin } });
      expect(items[0]).toMatchObject({
        principal: admin,
        onBehalfOf: null,
        action: 'forget_all',
        bankId,
        permission: 'admin',
        outcome: 'allowed',
        details: { deletedCount: 2, skippedCount: 0 },
      });
      expect([...((items[0]?.details.memoryIds ?? []) as string[])].sort()).toEqual([...ids].sort());
      expect(items[1]).toMatchObject({ principal: ALICE, action: 'forget_all', outcome: 'denied', details: {} });
    });

    it('a {bank} grant lets each user act on the bank named after them, and on no other', async () => {
      const brain = await makeBrain({
        grants: [{ principal: 'user:{bank}', banks: '{bank}', permissions: ['read', 'write', 'admin'] }],
      });
      const [owner, other] = [randomBankId('owner'), randomBankId('other')];
      const context = { principal: `user:${owner}` };
      expect((await brain.retain('My own note', { bankId: owner, context })).stored).toBe(true);
      expect((await brain.recall('note', { bankId: owner, context })).hits).toHaveLength(1);
      await brain.retain('Their note', { bankId: other, context: { principal: other } });
      const before = await storeContents(brain, [owner, other]);
      await expectDenied(brain.recall('note', { bankId: other, context }), {
        principal: `user:${owner}`,
        bank: other,
        permission: 'read',
      });
      await expectDenied(brain.retain('Sneaking in', { bankId: other, context }), {
        principal: `user:${owner}`,
        bank: other,
        permission: 'write',
      });
      // Agents are not users: the grant names the user kind.
      await expectDenied(brain.recall('note', { bankId: owner, context: { principal: `agent:${owner}` } }), {
        principal: `agent:${owner}`,
        bank: owner,
        permission: 'read',
      });
      // Admin on one's own bank is not admin on the store.
      await expectDenied(brain.purgeExpired({ context }), {
        principal: `user:${owner}`,
        bank: '*',
        permission: 'admin',
      });
      expect(await storeContents(brain, [owner, other])).toBe(before);
      expect((await brain.banks({ context })).map((bank) => bank.bankId)).toEqual([owner]);
    });

    it('purgeExpired, compact and the re-embedding operations need admin on every bank (*)', async () => {
      const clock = manualClock();
      const ops = 'service:ops';
      const brain = await makeBrain(
        {
          grants: [
            { principal: ALICE, banks: 'alice-*', permissions: ['admin'] },
            { principal: ops, banks: '*', permissions: ['admin'] },
          ],
        },
        { now: clock.now },
      );
      const bankId = randomBankId('alice');
      const context = { principal: ALICE };
      await brain.retain('Temporary door code 4471', {
        bankId,
        expiresAt: new Date(clock.now().getTime() + DAY),
        context,
      });
      clock.advance(2 * DAY);
      const before = await storeContents(brain, [bankId]);
      const denied = { principal: ALICE, bank: '*', permission: 'admin' };
      await expectDenied(brain.purgeExpired({ context }), denied);
      await expectDenied(brain.compact({ context }), denied);
      await expectDenied(brain.reembed({ to: { provider: 'local', dimensions: 64 }, context }), denied);
      await expectDenied(brain.reembedStatus({ context }), denied);
      await expectDenied(brain.cancelReembed({ context }), denied);
      expect(await storeContents(brain, [bankId])).toBe(before);

      expect(await brain.purgeExpired({ context: { principal: ops } })).toBe(1);
      expect((await brain.reembedStatus({ context: { principal: ops } })).target).toBeNull();
      const { items } = await brain.audit({ context: { principal: ops }, limit: 1 });
      expect(items[0]).toMatchObject({ principal: ops, action: 'purge_expired', bankId, outcome: 'allowed' });
      expect(items[0]?.details).toMatchObject({ deletedCount: 1 });
    });

    it('banks() lists only the banks the principal may read', async () => {
      const brain = await makeBrain({
        grants: [{ principal: ALICE, banks: 'alice-*', permissions: ['read'] }, SEEDER],
      });
      const banks = [randomBankId('alice'), randomBankId('alice'), randomBankId('bob')];
      for (const bankId of banks) await brain.retain(`A note for ${bankId}`, { bankId, ...seed });
      const seen = (await brain.banks({ context: { principal: ALICE } })).map((bank) => bank.bankId);
      expect(seen.sort()).toEqual(banks.slice(0, 2).sort());
      expect(await brain.banks({ context: { principal: 'user:mallory' } })).toEqual([]);
    });

    it('a rule routing a memory to a bank the principal may not write refuses the whole call', async () => {
      const brain = await makeBrain(
        { grants: [{ principal: ALICE, banks: 'alice-*', permissions: ['read', 'write'] }] },
        {
          governance: new Governance({
            rules: [
              { name: 'hr-to-vault', priority: 10, match: { tags: ['hr'] }, action: 'route', to: 'vault-{bank}' },
            ],
          }),
        },
      );
      const bankId = randomBankId('alice');
      const vault = `vault-${bankId}`;
      const context = { principal: ALICE };
      await expectDenied(
        brain.retainMany([{ content: 'Lunch is at noon' }, { content: 'Salary review notes', tags: ['hr'] }], {
          bankId,
          context,
        }),
        { principal: ALICE, bank: vault, permission: 'write' },
      );
      expect(await storeContents(brain, [bankId, vault])).toBe(
        JSON.stringify({
          banks: [],
          live: [
            { items: [], nextCursor: null },
            { items: [], nextCursor: null },
          ],
          versions: [],
        }),
      );
      expect((await brain.retain('Lunch is at noon', { bankId, context })).stored).toBe(true);
    });
  });
}
