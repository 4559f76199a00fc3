import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorHttpError, invalidRequest, newId, notFound } from './emulator-ids.js';
import type { RequestFault } from './request-faults.js';

/** The beta the SDK sends on every Managed Agents request; the emulator requires it as the real API does. */
export const MANAGED_AGENTS_BETA = 'managed-agents-2026-04-01';
/** The beta the SDK sends (alone) for `client.beta.memoryStores`. */
export const MEMORY_STORES_BETA = 'agent-memory-2026-07-22';

/** What a route answers. */
export interface Reply {
  status: number;
  body: unknown;
}

/** Who made a request: the id of its API key (`apikey_...`, derived from the key), as an `api_actor` names it. */
export interface Caller {
  apiKeyId: string;
}

/** One route: method, path pattern (its groups are the handler's `params`) and handler. */
export type Route = [
  method: string,
  pattern: RegExp,
  handler: (params: string[], body: unknown, url: URL, caller: Caller) => Reply,
];

/** The parsed body of a request that is not JSON. */
export const INVALID_JSON = Symbol('invalid json');

export async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

/** 401 unless the request carries an API key (exactly `apiKey` when one is set); returns the caller it names. */
export function checkApiKey(request: IncomingMessage, apiKey: string | undefined): Caller {
  const given = request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /i, '');
  if (!given || (apiKey !== undefined && given !== apiKey)) {
    throw new EmulatorHttpError(401, 'authentication_error', 'invalid x-api-key');
  }
  const key = Array.isArray(given) ? given.join(',') : given;
  // A stable id per key that does not reveal the key, as the platform's API key ids do not.
  return { apiKeyId: `apikey_${createHash('sha256').update(key).digest('hex').slice(0, 24)}` };
}

/** 400 unless the request carries one of the betas the emulator speaks, alone or beside others. */
export function checkBeta(request: IncomingMessage): void {
  const betas = String(request.headers['anthropic-beta'] ?? '')
    .split(',')
    .map((beta) => beta.trim());
  if (!betas.includes(MANAGED_AGENTS_BETA) && !betas.includes(MEMORY_STORES_BETA)) {
    throw invalidRequest(`this endpoint is in beta: send the anthropic-beta header ${MANAGED_AGENTS_BETA}`);
  }
}

/** The API's error type for the statuses that have their own. */
const ERROR_TYPES = new Map([
  [401, 'authentication_error'],
  [403, 'permission_error'],
  [404, 'not_found_error'],
  [429, 'rate_limit_error'],
  [504, 'timeout_error'],
  [529, 'overloaded_error'],
]);

export function failWith(response: ServerResponse, fault: RequestFault, record: (status: number) => void): void {
  if (fault.dropConnection) {
    record(0);
    response.socket?.destroy();
    return;
  }
  const status = fault.status ?? 500;
  record(status);
  sendError(
    response,
    status,
    ERROR_TYPES.get(status) ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
    'injected fault',
  );
}

export function send(response: ServerResponse, status: number, body: unknown, requestId = newId('req')): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId });
  response.end(text);
}

/** An error in the API's shape (the SDK's `BetaErrorResponse`), its `request_id` also in the header. */
export function sendError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  const requestId = newId('req');
  send(response, status, { type: 'error', error: { ...fields, type, message }, request_id: requestId }, requestId);
}

/** The request body as an object (`{}` when there is none). */
export function bodyObject(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** A stored resource, or 404. */
export function found(value: unknown, kind: string, id: string | undefined): Reply {
  if (value === undefined) throw notFound(`${kind} ${id} not found`);
  return { status: 200, body: value };
}

/** Archives a stored resource (once) and answers it, or 404. */
export function archive(value: Record<string, unknown> | undefined, kind: string, id: string | undefined): Reply {
  if (value === undefined) throw notFound(`${kind} ${id} not found`);
  value.archived_at ??= new Date().toISOString();
  return { status: 200, body: value };
}
