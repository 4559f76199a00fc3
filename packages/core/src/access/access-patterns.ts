import { PRINCIPAL_KINDS } from './principal.js';

/** Stands for the bank's id in a grant's principal and banks patterns. */
export const BANK_PLACEHOLDER = '{bank}';

// Characters of bank ids and principals, `*`, and the placeholder: a pattern is matched as text, never compiled to a
// regular expression, so nothing in the config can inject one.
const PATTERN = /^(?:[A-Za-z0-9._:@*-]|\{bank\})+$/;
const PLACEHOLDER_FREE = /^[A-Za-z0-9._:@*-]+$/;

/** Why `pattern` is not a bank pattern, or undefined when it is one; `{bank}` only where `placeholder` allows it. */
export function bankPatternProblem(pattern: string, placeholder: boolean): string | undefined {
  if (!(placeholder ? PATTERN : PLACEHOLDER_FREE).test(pattern))
    return `${JSON.stringify(pattern.slice(0, 80))} must be a bank id with * for any run of characters${placeholder ? ' and {bank} for the bank' : ''}`;
  return undefined;
}

/** Why `pattern` is not a principal pattern, or undefined when it is one; `{bank}` only where `placeholder` allows it. */
export function principalPatternProblem(pattern: string, placeholder: boolean): string | undefined {
  const problem = bankPatternProblem(pattern, placeholder);
  if (problem !== undefined)
    return `${JSON.stringify(pattern.slice(0, 80))} must be kind:name with * for any run of characters${placeholder ? ' and {bank} for the bank' : ''}`;
  const colon = pattern.indexOf(':');
  const kind = pattern.slice(0, colon);
  if (colon !== -1 && kind !== '*' && !(PRINCIPAL_KINDS as readonly string[]).includes(kind))
    return `${JSON.stringify(pattern.slice(0, 80))}: the kind must be user, agent, service or * (a bare name means user:)`;
  return undefined;
}

/** A principal pattern in its full form: `*` matches every principal, a bare name pattern gets `user:`. */
export function fullPrincipalPattern(pattern: string): string {
  return pattern === '*' || pattern.includes(':') ? pattern : `user:${pattern}`;
}

/** Whether `value` matches `pattern` whole, `*` standing for any run of characters and `{bank}` for `bankId`. */
export function matchesPattern(pattern: string, value: string, bankId?: string): boolean {
  if (bankId === undefined && pattern.includes(BANK_PLACEHOLDER)) return false;
  const parts = (bankId === undefined ? pattern : pattern.split(BANK_PLACEHOLDER).join(bankId)).split('*');
  const first = parts[0] as string;
  if (parts.length === 1) return value === first;
  const last = parts.at(-1) as string;
  const end = value.length - last.length;
  if (end < first.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  // The leftmost place of each middle part leaves the most room for the parts after it.
  let at = first.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found === -1 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}
