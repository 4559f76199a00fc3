import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../errors.js';
import { brainHarness } from '../brain-conformance/harness.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { accessHarness, expectDenied, failure } from './access-harness.js';

const ALICE = 'user:alice';
const ADMIN = 'service:ops';
const MARKER = 'zebracorn';

/** The audit log: what it records, that it never holds text, who may read it; and access left off. */
export function describeAudit(factory: StoreFactory): void {
  describe('audit log', () => {
    const makeBrain = accessHarness(factory);
    const grants = [
      { principal: ALICE, banks: 'alice-*', permissions: ['read' as const, 'write' as const, 'forget' as const] },
      { principal: ADMIN, banks: '*', permissions: ['admin' as const] },
    ];
    const admin = { principal: ADMIN };

    it('lists denials and forgets, newest first, with ids and counts but never memory text, queries or reasons', async () => {
      const brain = await makeBrain({ grants });
      const [bankId, bobBank] = [randomBankId('alice'), randomBankId('bob')];
      const context = { principal: ALICE };
      const stored = await brain.retain(`The ${MARKER} lives in the garden shed`, { bankId, tags: [MARKER], context });
      await brain.recall(`where is the ${MARKER}`, { bankId, context });
      await failure(brain.recall(`where is the ${MARKER}`, { bankId: bobBank, context }));
      await failure(brain.retain(`A ${MARKER} for Bob`, { bankId: bobBank, context }));
      const forgotten = await brain.forget(bankId, { tags: [MARKER], reason: `asked to drop the ${MARKER}`, context });
      expect(forgotten.deletedCount).toBe(1);

      const { items, nextCursor } = await brain.audit({ context: admin });
      expect(nextCursor).toBeNull();
      expect(
        items.map(({ principal, action, bankId: bank, permission, outcome }) => [
          principal,
          action,
          bank,
          permission,
          outcome,
        ]),
      ).toEqual([
        [ALICE, 'forget', bankId, 'forget', 'allowed'],
        [ALICE, 'retain', bobBank, 'write', 'denied'],
        [ALICE, 'recall', bobBank, 'read', 'denied'],
      ]);
      expect(items[0]?.details).toEqual({ deletedCount: 1, memoryIds: [stored.memoryId], skippedCount: 0 });
      expect(items.every((entry) => entry.at instanceof Date && typeof entry.id === 'string')).toBe(true);
      expect(JSON.stringify(items)).not.toContain(MARKER);
    });

    it('needs admin on the bank, or on every bank without one; filters, pages and validates the query', async () => {
      const brain = await makeBrain({
        grants: [...grants, { principal: 'user:auditor', banks: 'alice-*', permissions: ['admin'] }],
      });
      const [bankId, other] = [randomBankId('alice'), randomBankId('bob')];
      const context = { principal: ALICE };
      for (const bank of [bankId, other, bankId])
        await failure(brain.list(bank, { context: { principal: 'user:eve' } }));
      await failure(brain.list(other, { context }));

      await expectDenied(brain.audit({ bankId, context }), { principal: ALICE, bank: bankId, permission: 'admin' });
      const auditor = { principal: 'user:auditor' };
      await expectDenied(brain.audit({ context: auditor }), {
        principal: 'user:auditor',
        bank: '*',
        permission: 'admin',
      });
      // Alice's refused look at the audit log is in it too.
      const mine = await brain.audit({ bankId, context: auditor });
      expect(mine.items.map((entry) => [entry.principal, entry.action, entry.bankId])).toEqual([
        [ALICE, 'audit', bankId],
        ['user:eve', 'list', bankId],
        ['user:eve', 'list', bankId],
      ]);
      const eve = await brain.audit({ principal: 'eve', context: admin });
      expect(eve.items).toHaveLength(3);
      const first = await brain.audit({ principal: 'user:eve', limit: 2, context: admin });
      const rest = await brain.audit({
        principal: 'user:eve',
        limit: 2,
        cursor: first.nextCursor as string,
        context: admin,
      });
      expect([...first.items, ...rest.items].map((entry) => entry.id)).toEqual(eve.items.map((entry) => entry.id));
      expect(rest.nextCursor).toBeNull();
      expect((await brain.audit({ since: new Date(Date.now() + 60_000), context: admin })).items).toEqual([]);

      for (const [query, field] of [
        [{ limit: 0 }, 'limit'],
        [{ limit: 1001 }, 'limit'],
        [{ since: 'yesterday' }, 'since'],
        [{ bankId: 'not a bank' }, 'bankId'],
        [{ principal: 'robot:r2' }, 'principal'],
        // A misspelt filter would list every bank's entries instead of one's.
        [{ bank: 'alice' }, 'bank'],
      ] as const) {
        const error = await failure(brain.audit({ ...query, context: admin }));
        expect(ValidationError.isInstance(error), `${JSON.stringify(query)}: ${error}`).toBe(true);
        expect(error.details.field).toBe(field);
      }
    });

    it('history records the principal as the actor when no actor is given', async () => {
      const brain = await makeBrain({ grants });
      const bankId = randomBankId('alice');
      const byPrincipal = await brain.retain('Recorded by principal', { bankId, context: { principal: 'alice' } });
      const byActor = await brain.retain('Recorded by actor', {
        bankId,
        context: { principal: ALICE, actor: 'agent-9' },
      });
      const context = { principal: ALICE };
      expect((await brain.history(bankId, byPrincipal.memoryId as string, { context }))[0]?.actor).toBe(ALICE);
      expect((await brain.history(bankId, byActor.memoryId as string, { context }))[0]?.actor).toBe('agent-9');
    });

    it('without access, nothing is checked, counted or recorded', async () => {
      const brain = await brainHarness(factory)();
      const bankId = randomBankId();
      const stored = await brain.retain('An open note', { bankId });
      expect((await brain.recall('note', { bankId, context: { principal: 'user:anyone' } })).hits).toHaveLength(1);
      expect(await brain.forget(bankId, { all: true })).toEqual({ deletedCount: 1 });
      expect(await brain.purgeExpired()).toBe(0);
      expect(stored.stored).toBe(true);
      expect((await brain.store.accessLedger?.listAudit({ limit: 100 }))?.items ?? []).toEqual([]);
      expect(ConfigError.isInstance(await failure(brain.audit()))).toBe(true);
    });
  });
}
