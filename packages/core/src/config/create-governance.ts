import { Governance } from '../governance/governance.js';
import type { GovernanceConfig } from './config-schema.js';

/** The governance a config describes: PII barrier, rules and forget policy; a rules file resolves against `baseDir`. */
export function createGovernance(config: GovernanceConfig, baseDir: string): Governance {
  return new Governance(
    {
      pii: {
        default: config.pii.default,
        overrides: config.pii.overrides,
        banks: config.pii.banks,
        scanOutput: config.pii.scan_output,
      },
      ...(config.rules !== undefined ? { rules: config.rules } : {}),
      forget: {
        legalHoldTags: config.forget.legal_hold_tags,
        minAgeDays: config.forget.min_age_days,
        maxPerCall: config.forget.max_per_call,
      },
    },
    baseDir,
  );
}
