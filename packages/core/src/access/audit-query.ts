import { ValidationError } from '../errors.js';
import { OPTION_KEYS } from '../option-keys.js';
import { checkBankId, checkDate, checkInteger, checkKnownKeys } from '../validation.js';
import type { AuditQuery } from './access-types.js';
import { parsePrincipal } from './principal.js';
import type { StoreAuditQuery } from './store-access-ledger.js';

/** Validates what `brain.audit()` is asked: bank, principal, since, cursor, and a limit of 1 to 1000 (default 100). */
export function checkAuditQuery(query: (AuditQuery & { context?: unknown }) | undefined): StoreAuditQuery {
  if (query !== undefined && (typeof query !== 'object' || query === null))
    throw new ValidationError('query', 'must be an object');
  checkKnownKeys(query, OPTION_KEYS.audit, '', 'a field of an audit query');
  const { bankId, principal, since, cursor, limit } = query ?? {};
  if (cursor !== undefined && typeof cursor !== 'string') throw new ValidationError('cursor', 'must be a string');
  const after = checkDate(since, 'since');
  return {
    ...(bankId !== undefined ? { bankId: checkBankId(bankId) } : {}),
    ...(principal !== undefined ? { principal: parsePrincipal(principal) } : {}),
    ...(after !== null ? { since: after } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
    limit: checkInteger(limit, 'limit', 1, 1000, 100),
  };
}
