import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../access/access-types.js';
import type { StoreAccessLedger } from '../access/store-access-ledger.js';
import { ValidationError } from '../errors.js';
import type { MemoryStore } from '../memory-store.js';
import { randomBankId, type StoreFactory } from './store-factory.js';
import { storesPerTest } from './stores-per-test.js';

const EMBEDDER = { name: 'conformance-axes', dimensions: 4 };
const NOW = new Date('2026-06-01T12:00:00Z');
const minute = (n: number) => new Date(NOW.getTime() + n * 60_000);
const [W1, W2, W3] = [minute(0), minute(1), minute(2)];

/** How the access ledger suite gets stores; `sibling` opens another store over the same data while `store` stays open. */
export interface AccessLedgerFactory extends StoreFactory {
  sibling?(store: MemoryStore): Promise<MemoryStore>;
}

function ledgerOf(store: MemoryStore): StoreAccessLedger {
  if (!store.accessLedger) throw new Error(`the ${store.backend} store has no accessLedger`);
  return store.accessLedger;
}

function auditEntry(overrides: Partial<Omit<AuditEntry, 'id'>> = {}): Omit<AuditEntry, 'id'> {
  return {
    at: NOW,
    principal: 'user:alice',
    onBehalfOf: null,
    action: 'forget',
    bankId: 'alice-notes',
    permission: 'forget',
    outcome: 'allowed',
    details: {},
    ...overrides,
  };
}

// Every page of a listing, following the cursors.
async function allPages(ledger: StoreAccessLedger, query: Parameters<StoreAccessLedger['listAudit']>[0]) {
  const pages: AuditEntry[][] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listAudit({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return pages;
}

/**
 * The StoreAccessLedger contract (MemoryStore.accessLedger): counters that add up exactly under concurrency and
 * across stores over the same data, and the audit log's filters and paging.
 */
export function describeAccessLedgerConformance(name: string, factory: AccessLedgerFactory): void {
  describe(`StoreAccessLedger conformance: ${name}`, () => {
    const fresh = storesPerTest(() => factory.create(), EMBEDDER);
    const sibling =
      factory.sibling && storesPerTest((store: MemoryStore) => factory.sibling?.(store) as Promise<MemoryStore>);
    const reopened =
      factory.reopen && storesPerTest((store: MemoryStore) => factory.reopen?.(store) as Promise<MemoryStore>);

    it('creates a counter at 0 and adds to it, negative amounts giving back', async () => {
      const ledger = ledgerOf(await fresh());
      const key = randomBankId('bytes');
      expect(await ledger.addToCounter(key, W1, 1, W1)).toBe(1);
      expect(await ledger.addToCounter(key, W1, 4_999_999, W1)).toBe(5_000_000);
      expect(await ledger.addToCounter(key, W1, -4_999_999, W1)).toBe(1);
      expect(await ledger.addToCounter(key, W1, 0, W1)).toBe(1);
    });

    it('counts each key and each window on its own', async () => {
      const ledger = ledgerOf(await fresh());
      const [a, b] = [randomBankId('ops'), randomBankId('ops')];
      await ledger.addToCounter(a, W1, 3, W1);
      expect(await ledger.addToCounter(a, W2, 1, W1)).toBe(1);
      expect(await ledger.addToCounter(b, W1, 7, W1)).toBe(7);
      expect(await ledger.addToCounter(a, W1, 0, W1)).toBe(3);
      expect(await ledger.addToCounter(a, W2, 0, W1)).toBe(1);
    });

    it("deletes the key's windows that started before expireBefore, and no other key's", async () => {
      const ledger = ledgerOf(await fresh());
      const [key, other] = [randomBankId('ops'), randomBankId('ops')];
      await ledger.addToCounter(key, W1, 5, W1);
      await ledger.addToCounter(key, W2, 6, W1);
      await ledger.addToCounter(other, W1, 7, W1);
      // W2 starts exactly at expireBefore: kept. W1 is gone, so reading it starts a new counter at 0.
      expect(await ledger.addToCounter(key, W3, 1, W2)).toBe(1);
      expect(await ledger.addToCounter(key, W2, 0, W2)).toBe(6);
      expect(await ledger.addToCounter(key, W1, 0, W1)).toBe(0);
      expect(await ledger.addToCounter(other, W1, 0, W1)).toBe(7);
    });

    it('refuses a bad amount, key or window with a ValidationError and leaves the counter as it was', async () => {
      const ledger = ledgerOf(await fresh());
      const key = randomBankId('ops');
      await ledger.addToCounter(key, W1, 2, W1);
      const refused: [string, () => Promise<number>][] = [
        ['amount', () => ledger.addToCounter(key, W1, 1.5, W1)],
        ['amount', () => ledger.addToCounter(key, W1, Number.NaN, W1)],
        ['key', () => ledger.addToCounter('', W1, 1, W1)],
        ['windowStart', () => ledger.addToCounter(key, new Date(Number.NaN), 1, W1)],
        ['expireBefore', () => ledger.addToCounter(key, W1, 1, W2)],
      ];
      for (const [field, call] of refused) {
        const error = await call().catch((e: unknown) => e);
        expect(ValidationError.isInstance(error), field).toBe(true);
        expect((error as ValidationError).details.field).toBe(field);
      }
      expect(await ledger.addToCounter(key, W1, 0, W1)).toBe(2);
    });

    it('adds exactly under many concurrent calls: each call sees its own total', async () => {
      const store = await fresh();
      const stores = [store, ...(sibling ? [await sibling(store)] : [])];
      const key = randomBankId('ops');
      const calls = 120;
      const totals = await Promise.all(
        Array.from({ length: calls }, (_, i) =>
          ledgerOf(stores[i % stores.length] as MemoryStore).addToCounter(key, W1, 1, W1),
        ),
      );
      expect([...totals].sort((x, y) => x - y)).toEqual(Array.from({ length: calls }, (_, i) => i + 1));
      for (const s of stores) expect(await ledgerOf(s).addToCounter(key, W1, 0, W1)).toBe(calls);
    });

    it('lists audit entries newest first with every field as recorded, details included', async () => {
      const ledger = ledgerOf(await fresh());
      const details = { ids: ['m1', 'm2'], count: 2, nested: { ok: true, none: null, ratio: 0.25 }, note: 'ünïcode ✓' };
      const entries = [
        auditEntry({ at: minute(0), details }),
        auditEntry({ at: minute(1), principal: null, bankId: null, action: 'purge_expired', permission: 'admin' }),
        auditEntry({ at: minute(2), onBehalfOf: 'user:bob', action: 'recall', permission: 'read', outcome: 'denied' }),
      ];
      for (const entry of entries) await ledger.appendAudit(entry);
      const { items, nextCursor } = await ledger.listAudit({ limit: 10 });
      expect(nextCursor).toBeNull();
      expect(items.map(({ id: _, ...rest }) => rest)).toEqual([...entries].reverse());
      const ids = items.map((item) => BigInt(item.id));
      expect(ids).toEqual([...ids].sort((x, y) => (x > y ? -1 : 1)));
      expect(new Set(ids).size).toBe(3);
    });

    it('filters the audit log by bank, principal and time, together', async () => {
      const ledger = ledgerOf(await fresh());
      const [alice, bob] = [randomBankId('alice'), randomBankId('bob')];
      await ledger.appendAudit(auditEntry({ at: minute(0), bankId: alice, principal: 'user:alice' }));
      await ledger.appendAudit(auditEntry({ at: minute(1), bankId: bob, principal: 'user:alice' }));
      await ledger.appendAudit(auditEntry({ at: minute(2), bankId: alice, principal: 'user:bob' }));
      await ledger.appendAudit(auditEntry({ at: minute(3), bankId: alice, principal: null }));
      await ledger.appendAudit(auditEntry({ at: minute(4), bankId: null, principal: 'user:alice' }));
      const times = async (query: Omit<Parameters<StoreAccessLedger['listAudit']>[0], 'limit'>) =>
        (await ledger.listAudit({ ...query, limit: 10 })).items.map(
          (item) => (item.at.getTime() - NOW.getTime()) / 60_000,
        );
      expect(await times({ bankId: alice })).toEqual([3, 2, 0]);
      expect(await times({ principal: 'user:alice' })).toEqual([4, 1, 0]);
      expect(await times({ since: minute(2) })).toEqual([4, 3, 2]);
      expect(await times({ bankId: alice, principal: 'user:alice' })).toEqual([0]);
      expect(await times({ bankId: alice, since: minute(1) })).toEqual([3, 2]);
      expect(await times({ bankId: randomBankId() })).toEqual([]);
    });

    it('pages the audit log with cursors, losing and repeating nothing while entries are added', async () => {
      const ledger = ledgerOf(await fresh());
      const bank = randomBankId();
      for (let i = 0; i < 7; i++) await ledger.appendAudit(auditEntry({ bankId: bank, details: { i } }));
      const first = await ledger.listAudit({ bankId: bank, limit: 3 });
      expect(first.items.map((item) => item.details.i)).toEqual([6, 5, 4]);
      // Entries recorded after the first page are newer than it: the pages that follow never show them.
      await ledger.appendAudit(auditEntry({ bankId: bank, details: { i: 7 } }));
      const rest = await allPages(ledger, { bankId: bank, limit: 3, cursor: first.nextCursor as string });
      expect(rest.map((page) => page.map((item) => item.details.i))).toEqual([[3, 2, 1], [0]]);
      const whole = await allPages(ledger, { bankId: bank, limit: 4 });
      expect(whole.map((page) => page.length)).toEqual([4, 4]);
      expect(whole.flat().map((item) => item.details.i)).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    });

    it('refuses a cursor it did not hand out with a ValidationError', async () => {
      const ledger = ledgerOf(await fresh());
      await ledger.appendAudit(auditEntry());
      const listCursor = Buffer.from(JSON.stringify([1, 'x'])).toString('base64url');
      for (const cursor of ['', 'not-a-cursor', listCursor, Buffer.from('audit:-1').toString('base64url')]) {
        const error = await ledger.listAudit({ limit: 10, cursor }).catch((e: unknown) => e);
        expect(ValidationError.isInstance(error), cursor).toBe(true);
        expect((error as ValidationError).details.field).toBe('cursor');
      }
      expect((await ledger.listAudit({ limit: 10 })).items).toHaveLength(1);
    });

    // Defined only where the backend can open a sibling or reopen a store: a skipped test would read as a pass.
    if (sibling)
      it('shares counters and the audit log with another store over the same data', async () => {
        const store = await fresh();
        const other = await sibling(store);
        const key = randomBankId('ops');
        await ledgerOf(store).addToCounter(key, W1, 2, W1);
        expect(await ledgerOf(other).addToCounter(key, W1, 3, W1)).toBe(5);
        await ledgerOf(other).appendAudit(auditEntry({ action: 'forget_all', permission: 'admin' }));
        expect((await ledgerOf(store).listAudit({ limit: 10 })).items.map((item) => item.action)).toEqual([
          'forget_all',
        ]);
      });

    if (reopened)
      it('keeps counters and the audit log when the store is reopened', async () => {
        const store = await fresh();
        const key = randomBankId('bytes');
        await ledgerOf(store).addToCounter(key, W1, 40, W1);
        await ledgerOf(store).appendAudit(auditEntry({ details: { count: 3 } }));
        await store.close();
        const again = await reopened(store);
        expect(await ledgerOf(again).addToCounter(key, W1, 2, W1)).toBe(42);
        expect((await ledgerOf(again).listAudit({ limit: 10 })).items.map((item) => item.details)).toEqual([
          { count: 3 },
        ]);
      });
  });
}
