import { z } from 'zod';
import { healthResult, schemaRegistry } from './http-schemas.js';
import { ROUTES, type Route, type RouteResponse } from './routes.js';

/** What each error status means, as the document describes it. */
const ERROR_RESPONSES: Record<number, string> = {
  400: 'Invalid input (`invalid_input`): malformed JSON, an unknown field, or a value out of range; `details.field` names it.',
  401: 'No bearer token, or one the server does not accept (`unauthorized`).',
  403: 'The principal holds no grant for this (`access_denied`), or the Host or Origin is not one the server answers to (`host_not_allowed`).',
  404: 'The bank holds no such memory (`not_found`).',
  409: 'The operation conflicts with the state of the store: a legal hold or other policy (`policy_violation`), vectors of another embedder (`embedder_mismatch`), a re-embedding in progress (`reembed_in_progress`).',
  413: 'The body is larger than the server accepts (`request_too_large`).',
  415: 'The body is not `application/json` (`unsupported_media_type`).',
  429: 'A rate limit (`rate_limited`) or quota (`quota_exceeded`); `Retry-After` says when to retry, when known.',
  500: 'The server failed; the message says only what the code means.',
  503: 'The store or a provider cannot be reached or is busy; retry later.',
  507: 'The disk holding the store is full (`storage_full`): the write stored nothing; retry once there is room.',
};

const ERROR_HEADERS: Record<number, Record<string, unknown>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer, with the realm', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } },
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** The error statuses a route can answer with. */
export function errorStatuses(route: Route): number[] {
  // Every route may write: access counters and audit rows, besides the memories themselves.
  const statuses = [400, 401, 403, 409, 429, 500, 503, 507];
  if (route.path.includes('{id}')) statuses.push(404);
  if (route.body) statuses.push(413, 415);
  return statuses.sort((a, b) => a - b);
}

let cached: Record<string, unknown> | undefined;

/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the server parses requests with and the route
 * table it serves: every route, its parameters, bodies, responses and errors, and the bearer security scheme.
 */
export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Astrocyte HTTP API',
      version: '1.0.0',
      description:
        'Long-term memory for AI agents, for applications in any language: retain, recall, reflect, forget, list, ' +
        'history and export, per bank. Every route but /healthz takes a bearer token, mapped to a principal.',
    },
    paths: paths(),
    components: {
      schemas: componentSchemas(),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from access.tokens' } },
    },
    security: [{ bearer: [] }],
  };
  return cached;
}

function componentSchemas(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(schemaRegistry, { uri: (id) => `#/components/schemas/${id}` });
  // Each schema is a component of the document, not a document of its own: its $schema and $id go.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...rest }]) => [id, rest]));
}

function paths(): Record<string, Record<string, unknown>> {
  const result: Record<string, Record<string, unknown>> = {
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Whether the server answers; no token needed, no bank data',
        security: [],
        responses: { 200: { description: 'Up.', content: json(healthResult) } },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        responses: {
          200: {
            description: 'The OpenAPI 3.1 document.',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          ...errors([401, 403, 500]),
        },
      },
    },
  };
  for (const route of ROUTES) {
    result[route.path] ??= {};
    (result[route.path] as Record<string, unknown>)[route.method] = operation(route);
  }
  return result;
}

function operation(route: Route): Record<string, unknown> {
  const parameters: unknown[] = [
    {
      name: 'bank',
      in: 'path',
      required: true,
      description: 'The bank: 1 to 255 letters, digits and . _ : @ -, starting with a letter or digit.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    },
  ];
  if (route.path.includes('{id}')) {
    parameters.push({
      name: 'id',
      in: 'path',
      required: true,
      description: 'A memory id.',
      schema: { type: 'string' },
    });
  }
  for (const [name, field] of Object.entries(route.query?.shape ?? {})) {
    const { $schema: _schema, description, ...schema } = z.toJSONSchema(field as z.ZodType) as Record<string, unknown>;
    parameters.push({
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      description,
      schema,
    });
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    parameters,
    ...(route.body ? { requestBody: { required: true, content: json(route.body) } } : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(route.responses).map(([status, response]) => [status, successResponse(response)]),
      ),
      ...errors(errorStatuses(route)),
    },
  };
}

function successResponse(response: RouteResponse): Record<string, unknown> {
  return {
    description: response.description,
    content: { [response.contentType ?? 'application/json']: { schema: schemaOf(response.schema) } },
  };
}

function errors(statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERROR_RESPONSES[status],
        ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
        content: { 'application/json': { schema: ref('Error') } },
      },
    ]),
  );
}

function json(schema: z.ZodType): Record<string, unknown> {
  return { 'application/json': { schema: schemaOf(schema) } };
}

function schemaOf(schema: z.ZodType): unknown {
  const id = schemaRegistry.get(schema)?.id;
  if (id === undefined) throw new Error('every body schema of the API is registered in schemaRegistry');
  return ref(id);
}
