import { expect } from 'vitest';
import type { AccessOptions } from '../../access/access-types.js';
import type { Astrocyte, AstrocyteOptions } from '../../astrocyte.js';
import { AccessDeniedError, type AstrocyteError } from '../../errors.js';
import { brainHarness } from '../brain-conformance/harness.js';
import type { StoreFactory } from '../store-factory.js';

/** Builds brains with `access` over fresh stores of the backend under test, closed after each test. */
export function accessHarness(
  factory: StoreFactory,
): (access: AccessOptions, options?: Omit<Partial<AstrocyteOptions>, 'store' | 'access'>) => Promise<Astrocyte> {
  const makeBrain = brainHarness(factory);
  return (access, options = {}) => makeBrain({ ...options, access });
}

/**
 * What the store holds for the banks, read from the store itself (no access check): its bank list, each bank's
 * live memories and every version of them, to compare before and after a refused call.
 */
export async function storeContents(brain: Astrocyte, bankIds: string[]): Promise<string> {
  const { store } = brain;
  const banks = (await store.banks()).filter((bank) => bankIds.includes(bank.bankId));
  const live = await Promise.all(bankIds.map((bankId) => store.list(bankId, { limit: 1000 })));
  const versions = await Promise.all(
    live.flatMap((page) => page.items.map((memory) => store.history(memory.bankId, memory.id))),
  );
  banks.sort((a, b) => a.bankId.localeCompare(b.bankId));
  return JSON.stringify({ banks, live, versions });
}

/** Awaits a call that must fail, and returns its error. */
export async function failure(call: Promise<unknown>): Promise<AstrocyteError> {
  return call.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: AstrocyteError) => error,
  );
}

/** Expects the call to fail with AccessDeniedError naming the principal, bank and permission. */
export async function expectDenied(
  call: Promise<unknown>,
  denied: { principal: string | null; bank: string; permission: string; onBehalfOf?: string },
): Promise<void> {
  const error = await failure(call);
  expect(AccessDeniedError.isInstance(error), `expected AccessDeniedError, got ${error}`).toBe(true);
  expect(error.code).toBe('access_denied');
  expect(error.details).toEqual(denied);
}
