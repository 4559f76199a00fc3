import type { AccessOptions } from '../access/access-types.js';
import type { AccessConfig } from './config-schema.js';

/** The access options an `access:` section describes; its tokens are for the servers, not the brain. */
export function createAccess(config: AccessConfig): AccessOptions {
  return {
    grants: config.grants,
    quotas: config.quotas.map((quota) => ({
      banks: quota.banks,
      ...(quota.max_memories !== undefined ? { maxMemories: quota.max_memories } : {}),
      ...(quota.max_bytes_per_day !== undefined ? { maxBytesPerDay: quota.max_bytes_per_day } : {}),
    })),
    rateLimits: config.rate_limits.map((limit) => ({
      ...(limit.principal !== undefined ? { principal: limit.principal } : {}),
      ...(limit.banks !== undefined ? { banks: limit.banks } : {}),
      operationsPerMinute: limit.operations_per_minute,
    })),
  };
}
