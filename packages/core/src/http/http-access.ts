import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ValidationError } from '../errors.js';

/** A refused request: the HTTP status, the reason, and any headers the status calls for. */
export interface Refusal {
  status: 401 | 403;
  message: string;
  headers?: Record<string, string>;
}

/** A bearer token a server accepts, and the principal whose requests it carries (none: the server's own). */
export interface BearerToken {
  token: string;
  principal?: string;
}

/** What a server checks each request against. */
export interface HttpAccessOptions {
  host: string;
  port: number;
  /** No tokens: no Authorization is asked for (allowed on loopback only, see checkTokens). */
  tokens: BearerToken[];
  allowedHosts: string[];
  /** The realm named in WWW-Authenticate. */
  realm: string;
}

/** A request that may be served, and the principal its token maps to. */
export interface Admitted {
  principal: string | undefined;
}

/** Checks one request's headers: a refusal, or the admitted caller. */
export type AccessCheck = (headers: IncomingHttpHeaders) => { refused: Refusal } | { admitted: Admitted };

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = ['0.0.0.0', '::', '[::]'];
/** Printable ASCII without spaces fits an Authorization header; 16 characters is the least that resists guessing. */
export const TOKEN_PATTERN = /^[\x21-\x7e]{16,}$/;
/** What a token that does not match TOKEN_PATTERN is told. */
export const TOKEN_RULE =
  'must be at least 16 printable characters without spaces; generate one with `openssl rand -hex 32`';
// Host header characters: a name, an IPv4 or bracketed IPv6 address, and a port. Anything else (userinfo, a path)
// would let URL parsing read a different host than the header shows.
const HOST = /^[A-Za-z0-9.\-[\]:]+$/;

/** True when `host` is a loopback address or name: the only binding that may run without a token. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIPv4(bare) && bare.startsWith('127.'));
}

/**
 * Refuses a binding that would serve memory to the network without a token, a token too weak to use, and the same
 * token given twice. `field` names the option in errors; `howToSet` tells the user where tokens come from.
 */
export function checkTokens(host: string, tokens: BearerToken[], field: string, howToSet: string): void {
  if (tokens.length === 0) {
    if (isLoopback(host)) return;
    throw new ValidationError(
      field,
      `is required to bind ${host}, which is not a loopback address: anyone who can reach the port could read and ` +
        `write memory. ${howToSet}`,
    );
  }
  const seen = new Set<string>();
  for (const { token } of tokens) {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) throw new ValidationError(field, TOKEN_RULE);
    if (seen.has(token)) throw new ValidationError(field, 'the same token is given twice');
    seen.add(token);
  }
}

/** Refuses an allowed Host entry that is not a host name or address with an optional port. */
export function checkAllowedHosts(allowedHosts: string[], field: string): void {
  for (const entry of allowedHosts) {
    if (parseHost(entry) === undefined) {
      throw new ValidationError(
        field,
        `${JSON.stringify(entry)} is not a host name or address with an optional port (IPv6 in brackets)`,
      );
    }
  }
}

/**
 * The checks every request passes before it is served: its Host names this server (DNS rebinding sends the
 * attacker's name), its Origin, when a browser sends one, is one of those hosts, and its bearer token is one of the
 * server's, which names the caller's principal. The names of the bound address are fixed at start: loopback names for
 * a loopback binding, every interface address for a wildcard one; `allowedHosts` entries without a port match that
 * name on any port.
 */
export function accessCheck(options: HttpAccessOptions): AccessCheck {
  const { host, port, tokens, allowedHosts, realm } = options;
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  for (const name of boundNames(host)) exact.add((parseHost(`${name}:${port}`) as URL).host);
  for (const entry of allowedHosts) {
    const url = parseHost(entry) as URL;
    // Strip a bracketed IPv6 address first: its colons are not a port.
    if (/:\d+$/.test(entry.replace(/^\[.*\]/, ''))) exact.add(url.host);
    else anyPort.add(url.hostname);
  }
  const allowed = (url: URL | undefined): boolean =>
    url !== undefined && (exact.has(url.host) || anyPort.has(url.hostname));
  const expected = tokens.map(({ token, principal }) => ({ digest: digest(token), principal }));

  return (headers) => {
    if (!allowed(parseHost(headers.host ?? ''))) {
      return { refused: { status: 403, message: `host not allowed: ${JSON.stringify(headers.host ?? '')}` } };
    }
    const origin = headers.origin;
    if (origin !== undefined && !allowed(parseOrigin(origin))) {
      return { refused: { status: 403, message: `origin not allowed: ${JSON.stringify(origin)}` } };
    }
    if (expected.length === 0) return { admitted: { principal: undefined } };
    const given = /^Bearer +(\S+) *$/i.exec(headers.authorization ?? '')?.[1];
    if (given === undefined) {
      return {
        refused: {
          status: 401,
          message: 'a bearer token is required: send Authorization: Bearer <token>',
          headers: { 'www-authenticate': `Bearer realm="${realm}"` },
        },
      };
    }
    // Equal-length digests let timingSafeEqual compare without revealing a token's length or a matching prefix;
    // every token is compared, so the time taken does not tell which one matched.
    const givenDigest = digest(given);
    let match: (typeof expected)[number] | undefined;
    for (const candidate of expected) if (timingSafeEqual(givenDigest, candidate.digest)) match ??= candidate;
    if (match === undefined) {
      return {
        refused: {
          status: 401,
          message: 'the bearer token is not valid',
          headers: { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token"` },
        },
      };
    }
    return { admitted: { principal: match.principal } };
  };
}

// Host header names that reach this binding without being asked for.
function boundNames(host: string): string[] {
  if (isLoopback(host)) return [...new Set([...LOOPBACK_NAMES, bracketed(host)])];
  if (!WILDCARDS.includes(host)) return [bracketed(host)];
  const addresses = Object.values(networkInterfaces())
    .flat()
    .map((address) => (address ? bracketed(address.address) : ''));
  return [...new Set([...LOOPBACK_NAMES, ...addresses])].filter((name) => name !== '');
}

function bracketed(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

// URL parsing lower-cases the name and drops a default port the way clients drop it from the Host header.
function parseHost(value: string): URL | undefined {
  if (!HOST.test(value)) return undefined;
  try {
    return new URL(`http://${value}`);
  } catch {
    return undefined;
  }
}

// A browser sends "null" from sandboxed frames and local files: never one of ours.
function parseOrigin(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
