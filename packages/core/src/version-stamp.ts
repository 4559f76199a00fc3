import { parsePrincipal } from './access/principal.js';
import type { Governance } from './governance/governance.js';
import type { VersionStamp } from './memory-store.js';
import type { AstrocyteContext } from './types.js';
import { checkCharacters } from './validation.js';

/**
 * The stamp of a version row: what happened, when, by whom and why. Version rows outlive erasure (the tombstone), so
 * the free text in them goes through the PII barrier.
 */
export function versionStamp(
  governance: Governance,
  action: VersionStamp['action'],
  at: Date,
  context: AstrocyteContext | undefined,
  reason?: string,
): VersionStamp {
  // The context's shape was checked when the operation was admitted (checkContext); its actor's characters are not.
  // Without an actor, the principal is who acted. Either outlives the forget in the tombstone, and a principal may be
  // an email (`user:jane@example.com`): both go through the barrier.
  const who = context?.actor
    ? checkCharacters(context.actor, 'context.actor')
    : context?.principal !== undefined
      ? parsePrincipal(context.principal, 'context.principal')
      : undefined;
  const actor = who && governance.redactFreeText(who);
  return {
    action,
    at,
    ...(actor ? { actor } : {}),
    ...(reason ? { reason: governance.redactFreeText(reason) } : {}),
  };
}
