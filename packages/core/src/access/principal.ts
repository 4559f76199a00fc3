import { ValidationError } from '../errors.js';

/** The kinds of principal: a person, an AI agent, or a service acting on its own. */
export const PRINCIPAL_KINDS = ['user', 'agent', 'service'] as const;

// A principal's name follows the bank id rules, so that `{bank}` grants can name a bank after a principal.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$/;

/** Why `value` is not a principal, or undefined when it is one. */
export function principalProblem(value: unknown): string | undefined {
  if (typeof value !== 'string')
    return `must be a string such as user:alice, agent:support-bot or service:ingest, got ${value === null ? 'null' : typeof value}`;
  const colon = value.indexOf(':');
  const kind = colon === -1 ? 'user' : value.slice(0, colon);
  if (!(PRINCIPAL_KINDS as readonly string[]).includes(kind))
    return `${JSON.stringify(value.slice(0, 80))} must be kind:name with kind user, agent or service (a bare name means user:)`;
  if (!NAME.test(value.slice(colon + 1)))
    return `${JSON.stringify(value.slice(0, 80))}: the name must be 1 to 255 letters, digits and . _ : @ -, starting with a letter or digit`;
  return undefined;
}

/**
 * A principal in its full form, `kind:name` (`alice` becomes `user:alice`); a ValidationError naming `field` when
 * `value` is not one.
 */
export function parsePrincipal(value: unknown, field = 'principal'): string {
  const problem = principalProblem(value);
  if (problem !== undefined) throw new ValidationError(field, problem);
  const text = value as string;
  return text.includes(':') ? text : `user:${text}`;
}
