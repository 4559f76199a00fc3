import { describe } from 'vitest';
import type { StoreFactory } from '../store-factory.js';
import { describeAudit } from './audit.js';
import { describeGrants } from './grants.js';
import { describeLimits } from './limits.js';

/**
 * Access control end to end (an Astrocyte with `access` over the backend's store): grants and denials that change
 * nothing, quotas and rate limits counted in the store's access ledger, the audit log. Run it in a backend's tests
 * with `describeAccessConformance('sqlite', { create: () => openSqliteStore({ path: ':memory:' }) })`.
 */
export function describeAccessConformance(name: string, factory: StoreFactory): void {
  describe(`Access conformance: ${name}`, () => {
    describeGrants(factory);
    describeLimits(factory);
    describeAudit(factory);
  });
}
