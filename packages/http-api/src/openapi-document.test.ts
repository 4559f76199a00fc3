import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiProblems, responseChecker } from './api-client.fixture.js';
import { HTTP_STATUS } from './http-errors.js';
import { openApiDocument } from './openapi-document.js';
import { ROUTES } from './routes.js';

type Operation = {
  operationId: string;
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};

describe('OpenAPI document', () => {
  const document = openApiDocument();
  const paths = document.paths as Record<string, Record<string, Operation>>;

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(await openApiProblems(document)).toEqual({ version: '3.1', errors: [] });
  });

  it('describes every route the server serves, with its path parameters, body, responses and errors', () => {
    const operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /healthz health',
        'GET /openapi.json openapi',
        ...ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path} ${route.operationId}`),
      ].sort(),
    );
    for (const route of ROUTES) {
      const operation = paths[route.path]?.[route.method] as Operation;
      const inPath = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(inPath).toEqual(route.path.includes('{id}') ? ['bank', 'id'] : ['bank']);
      expect(operation.requestBody !== undefined).toBe(route.body !== undefined);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '429', '500']));
    }
    expect(
      paths['/v1/banks/{bank}/memories']?.get?.parameters?.filter((p) => p.in === 'query').map((p) => p.name),
    ).toEqual(['cursor', 'limit']);
  });

  it('asks for the bearer token everywhere but /healthz', () => {
    expect(document.security).toEqual([{ bearer: [] }]);
    expect((document.components as { securitySchemes: unknown }).securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(paths['/healthz']?.get?.security).toEqual([]);
    const overridden = Object.values(paths).flatMap((methods) => Object.values(methods).filter((o) => o.security));
    expect(overridden.map((o) => o.operationId)).toEqual(['health']);
  });

  it('lets the response check fail: an undocumented field or status is refused', async () => {
    const check = responseChecker(document);
    const retained = { stored: true, memory_id: 'm1', deduplicated: false };
    const reply = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    await expect(check('POST', '/v1/banks/a/memories', reply(201, retained))).resolves.toMatchObject({ status: 201 });
    await expect(check('POST', '/v1/banks/a/memories', reply(201, { ...retained, colour: 'blue' }))).rejects.toThrow(
      /does not match the document/,
    );
    await expect(check('POST', '/v1/banks/a/memories', reply(202, retained))).rejects.toThrow(/does not list/);
  });

  it('docs/http-api.md gives each error code the status the server answers with', () => {
    const doc = readFileSync(new URL('../../../docs/http-api.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| (\d{3}) \| (.+) \|$/gm)].map(([, status, codes]) => ({
      status: Number(status),
      codes: [...(codes as string).matchAll(/`([a-z_]+)`/g)].map(([, code]) => code as string),
    }));
    const documented = Object.fromEntries(
      rows.filter((row) => row.status !== 500).flatMap((row) => row.codes.map((code) => [code, row.status])),
    );
    expect(documented).toEqual(HTTP_STATUS);
    expect(rows.find((row) => row.status === 500)?.codes).toEqual(['internal_error']);
  });
});
