import { randomUUID } from 'node:crypto';
import {
  type AccessCheck,
  accessCheck,
  type Brain,
  checkBankId,
  checkMemoryId,
  didYouMean,
  NotFoundError,
  ValidationError,
  zodProblem,
} from '@astrocyte/core';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError, z } from 'zod';
import { type HttpApiOptions, type HttpApiSettings, parseHttpApiOptions } from './http-api-options.js';
import { type ErrorReply, errorReply, HttpRequestError, inRequestTerms } from './http-errors.js';
import { openApiDocument } from './openapi-document.js';
import { expectNoBody, readJsonBody } from './read-json-body.js';
import { ROUTES } from './routes.js';

/** The variables each request carries through the app. */
type Env = { Variables: { requestId: string; principal: string | undefined } };

/**
 * The HTTP API as a Hono app (its `fetch` is a standard fetch handler): the routes under /v1/banks/{bank}, the OpenAPI
 * document at /openapi.json and /healthz. Every request but /healthz passes the Host, Origin and bearer-token checks,
 * and the token's principal goes into the context of each Brain call. The brain stays open: closing it is the
 * caller's job.
 */
export function createHttpApi(brain: Brain, options: HttpApiOptions): Hono<Env> {
  const settings = parseHttpApiOptions(options);
  const check = accessCheck({ ...settings, realm: 'astrocyte' });
  return buildHttpApi(brain, settings, () => check);
}

/** The app over validated settings; `check` is read per request, so a server can set it once it knows its port. */
export function buildHttpApi(brain: Brain, settings: HttpApiSettings, check: () => AccessCheck): Hono<Env> {
  const app = new Hono<Env>();

  app.use(async (c, next) => {
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    await next();
  });

  // Before the access check: a load balancer or orchestrator probes it without a token. It tells nothing of the banks.
  app.get('/healthz', (c) => c.json({ status: 'ok' as const }));

  app.use(async (c, next) => {
    const headers = c.req.raw.headers;
    const checked = check()({
      // A fetch Request made by hand has no Host header; its URL names the host it was sent to.
      host: headers.get('host') ?? new URL(c.req.url).host,
      origin: headers.get('origin') ?? undefined,
      authorization: headers.get('authorization') ?? undefined,
    });
    if ('refused' in checked) {
      const { status, message, headers: extra } = checked.refused;
      const error = new HttpRequestError(status === 401 ? 'unauthorized' : 'host_not_allowed', message);
      return send(c, errorReply(error), extra);
    }
    c.set('principal', checked.admitted.principal);
    await next();
  });

  app.get('/openapi.json', (c) => c.json(openApiDocument()));

  for (const route of ROUTES) {
    app.on(route.method.toUpperCase(), route.path.replace(/\{(\w+)\}/g, ':$1'), async (c) => {
      const principal = c.get('principal');
      const request = {
        brain,
        bank: checkBankId(c.req.param('bank'), 'bank'),
        // Checked as the path names it: the brain would name it `memoryIds[0]` or `memoryId`, fields no route has.
        id: route.path.includes('{id}') ? checkMemoryId(c.req.param('id'), 'id') : '',
        // A route without a body refuses one: `DELETE` with `{"dry_run": true}` must not erase in silence either.
        body: route.body
          ? parse(route.body, await readJsonBody(c.req.raw, settings.maxBodyBytes), 'field')
          : await expectNoBody(c.req.raw),
        // A route without query parameters refuses any: `DELETE …?dry_run=true` must not erase in silence.
        query: parse(route.query ?? NO_QUERY, singleQuery(c.req.queries()), 'query parameter'),
        context: { requestId: c.get('requestId'), ...(principal ? { principal } : {}) },
        failedMidway: (error: unknown) => {
          if (errorReply(error).status >= 500) settings.onError(error, c.get('requestId'));
          // Node's adapter hands the response over as env.outgoing.
          const outgoing = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing;
          outgoing?.destroy();
          return outgoing !== undefined;
        },
      };
      const output = await route.handle(request).catch((error: unknown) => {
        throw inRequestTerms(error);
      });
      if ('ndjson' in output) {
        return c.body(output.ndjson, output.status as ContentfulStatusCode, { 'content-type': 'application/x-ndjson' });
      }
      return c.json(output.json as object, output.status as ContentfulStatusCode);
    });
  }

  app.notFound((c) => {
    const { method, path } = c.req;
    const served = SERVED_PATHS.find(({ pattern }) => pattern.test(path));
    if (served === undefined) {
      // The path is the client's: a long one is cut, so that a reply never echoes kilobytes back.
      const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
      return send(c, errorReply(new NotFoundError(`no route ${method} ${shown}; the routes are in GET /openapi.json`)));
    }
    const allow = served.methods.join(', ');
    const error = new HttpRequestError(
      'method_not_allowed',
      `${served.template} has no method ${method}; it has ${allow}`,
      { details: { method, allow: served.methods } },
    );
    return send(c, errorReply(error), { allow });
  });
  app.onError((error, c) => {
    const reply = errorReply(error);
    if (reply.status >= 500) settings.onError(error, c.get('requestId'));
    return send(c, reply);
  });
  return app;
}

// Each path the app serves, with its methods: a request for one of them with another method is a 405, not a 404.
// Hono answers HEAD with a GET route.
const SERVED_PATHS = (() => {
  const methods = new Map<string, string[]>([
    ['/openapi.json', ['GET']],
    ['/healthz', ['GET']],
  ]);
  for (const { path, method } of ROUTES) methods.set(path, [...(methods.get(path) ?? []), method.toUpperCase()]);
  return [...methods].map(([template, names]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
    methods: (names.includes('GET') ? [...names, 'HEAD'] : names).sort(),
  }));
})();

function send(c: Context<Env>, reply: ErrorReply, extra: Record<string, string> = {}): Response {
  return c.json(reply.body, reply.status as ContentfulStatusCode, { ...reply.headers, ...extra });
}

// The query's parameters, each given once: `?limit=1&limit=500` took one of the two in silence. Without a prototype,
// `?__proto__=…` is a key like any other, which the schema refuses; on `{}` it set the prototype and was dropped.
function singleQuery(queries: Record<string, string[]>): Record<string, string> {
  const single: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(queries)) {
    if (values.length > 1)
      throw new ValidationError(name, `is given ${values.length} times; give each query parameter once`);
    single[name] = values[0] as string;
  }
  return single;
}

// Parses a body or query with its route's schema; the problem names the field, and an unknown one lists those the
// route knows, so that a misspelt field is never dropped in silence.
const NO_QUERY = z.strictObject({});

function parse<T>(schema: z.ZodType<T>, input: unknown, kind: 'field' | 'query parameter'): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  // A misspelt field is also a missing one; naming the misspelling tells the caller what to fix.
  const issues = [...parsed.error.issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  );
  const problem = zodProblem(new ZodError(issues), input, schema);
  const known = problem.path.length === 1 ? Object.keys((schema as unknown as z.ZodObject).shape ?? {}) : [];
  const message = problem.unknownKey
    ? `is not a ${kind} of this route${known.length > 0 ? `; expected ${known.join(', ')}` : '; it has none'}${didYouMean(problem.suggestion)}`
    : problem.message;
  throw new ValidationError(problem.field || 'body', message);
}
