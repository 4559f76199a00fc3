import { request } from 'node:http';
import { ERROR_CODES } from '@astrocyte/core';
import { rawHttpExchange } from '@astrocyte/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALICE_TOKEN, BOB_TOKEN, startTestServer, type TestServer } from './test-server.fixture.js';

describe('HTTP API errors', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.close();
  });

  // What the store holds, read past the access checks (and the rate limits) the API is under.
  const texts = async (bank: string) => (await server.brain.store.list(bank, { limit: 100 })).items.map((m) => m.text);

  it("refuses alice on bob's bank with 403 access_denied, and bob's memories stay as they were", async () => {
    server = await startTestServer();
    const { api, alice, bob } = server;
    const bobs = api.as(BOB_TOKEN);
    expect(
      (await bobs.request('POST', `/v1/banks/${bob}/memories`, { body: { content: 'Bob parks on level 2' } })).status,
    ).toBe(201);
    const [{ id }] = (await bobs.request('GET', `/v1/banks/${bob}/memories`)).body.items;

    const attempts = [
      api.request('POST', `/v1/banks/${bob}/memories`, { body: { content: 'Alice was here' } }),
      api.request('POST', `/v1/banks/${bob}/recall`, { body: { query: 'parking' } }),
      api.request('GET', `/v1/banks/${bob}/memories`),
      api.request('GET', `/v1/banks/${bob}/export`),
      api.request('DELETE', `/v1/banks/${bob}/memories/${id}`),
    ];
    for (const denied of await Promise.all(attempts)) {
      expect(denied.status).toBe(403);
      expect(denied.body.error).toMatchObject({
        code: 'access_denied',
        details: { principal: `user:${alice}`, bank: bob },
      });
    }
    expect(await texts(bob)).toEqual(['Bob parks on level 2']);
  });

  it('answers 401 with WWW-Authenticate without a token or with a wrong one', async () => {
    server = await startTestServer();
    for (const token of [null, 'not-a-token-of-this-server-000']) {
      const refused = await server.api.request('GET', `/v1/banks/${server.alice}/memories`, { token });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="astrocyte"/);
      expect(refused.body.error.code).toBe('unauthorized');
    }
    expect((await server.api.request('GET', '/openapi.json', { token: null })).status).toBe(401);
  });

  it('answers 403 host_not_allowed to a foreign Host (DNS rebinding) or Origin', async () => {
    server = await startTestServer();
    const origin = await server.api.request('GET', `/v1/banks/${server.alice}/memories`, {
      headers: { origin: 'http://evil.test' },
    });
    expect(origin.status).toBe(403);
    expect(origin.body.error).toMatchObject({
      code: 'host_not_allowed',
      message: 'origin not allowed: "http://evil.test"',
    });
    // fetch will not send a forged Host header; node:http will.
    const host = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const target = new URL(server.url);
      request(
        { host: target.hostname, port: target.port, path: '/v1/banks/x/memories', headers: { host: 'evil.test' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        },
      )
        .on('error', reject)
        .end();
    });
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body).error.code).toBe('host_not_allowed');
  });

  it('answers 400 naming the field for an unknown field, a missing one, a wrong type, bad JSON or a bad bank id', async () => {
    server = await startTestServer();
    const { api, alice } = server;
    const cases: [string, string, unknown, string, RegExp][] = [
      [
        'POST',
        `/v1/banks/${alice}/memories`,
        { content: 'x', colour: 'blue' },
        'colour',
        /not a field of this route; expected content, tags, metadata, occurred_at[^;]*$/,
      ],
      [
        'POST',
        `/v1/banks/${alice}/memories`,
        { content: 'x', occurredAt: '2024-05-08' },
        'occurredAt',
        /not a field of this route; expected content, .*; did you mean "occurred_at"\?$/,
      ],
      ['POST', `/v1/banks/${alice}/memories`, { tags: ['a'] }, 'content', /is required/],
      [
        'POST',
        `/v1/banks/${alice}/recall`,
        { query: 'x', max_results: 'ten' },
        'max_results',
        /must be a number, got string/,
      ],
      ['POST', `/v1/banks/${alice}/recall`, { query: 'x', max_results: 500 }, 'max_results', /integer from 1 to 100$/],
      [
        'POST',
        `/v1/banks/${alice}/recall`,
        { query: 'x', min_score: 1.5 },
        'min_score',
        /must be a number from 0 to 1$/,
      ],
      ['POST', `/v1/banks/${alice}/recall`, { query: 'x', min_score: '0.5' }, 'min_score', /must be a number/],
      ['GET', `/v1/banks/${alice}/memories?limit=0`, undefined, 'limit', /must be an integer from 1 to 1000/],
      ['POST', `/v1/banks/${alice}/memories`, { content: 'x', occurred_at: 'last Tuesday' }, 'occurred_at', /ISO 8601/],
      // Read in the server's time zone, it stored another instant under each TZ.
      [
        'POST',
        `/v1/banks/${alice}/memories`,
        { content: 'x', occurred_at: '2025-03-01T09:30:00' },
        'occurred_at',
        /^occurred_at: a date-time must give its offset, e\.g\. 2025-03-01T09:30:00Z/,
      ],
      [
        'POST',
        `/v1/banks/${alice}/conversations`,
        { turns: [{ speaker: 'a', text: 'b', occurred_at: '2025-03-01 09:30' }] },
        'turns.0.occurred_at',
        /must give its offset/,
      ],
      [
        'POST',
        `/v1/banks/${alice}/conversations`,
        { turns: [{ speaker: 'a', text: 'b', mood: 'ok' }] },
        'turns.0.mood',
        /not a field/,
      ],
      ['POST', `/v1/banks/${alice}/memories`, '{"content": ', 'body', /not valid JSON/],
      ['POST', `/v1/banks/${alice}/memories`, '[1, 2]', 'body', /must be an object, got an array/],
      // JSON.parse kept the last of a key given twice: "Call Ann" was stored.
      [
        'POST',
        `/v1/banks/${alice}/memories`,
        '{"content": "Call Bob", "content": "Call Ann"}',
        'content',
        /^content: is given more than once in the body; give each key once$/,
      ],
      [
        'POST',
        `/v1/banks/${alice}/conversations`,
        '{"turns": [{"speaker": "a", "text": "b"}, {"speaker": "a", "text": "b", "text": "c"}]}',
        'turns.1.text',
        /given more than once/,
      ],
      // The metadata schema rebuilds the object key by key, which took `__proto__` for the prototype: stored as {}.
      [
        'POST',
        `/v1/banks/${alice}/memories`,
        '{"content": "x", "metadata": {"owner": "Ann", "__proto__": {"admin": true}}}',
        'metadata.__proto__',
        /takes for the prototype of its object.*rename it$/,
      ],
      ['POST', '/v1/banks/-not-a-bank/memories', { content: 'x' }, 'bank', /letters, digits/],
      ['GET', `/v1/banks/${alice}/memories?limit=many`, undefined, 'limit', /integer from 1 to 1000/],
      ['GET', `/v1/banks/${alice}/memories?limit=0x10`, undefined, 'limit', /integer from 1 to 1000/],
      ['GET', `/v1/banks/${alice}/memories?limit=1e3`, undefined, 'limit', /integer from 1 to 1000/],
      [
        'GET',
        `/v1/banks/${alice}/memories?page=2`,
        undefined,
        'page',
        /not a query parameter of this route; expected cursor, limit/,
      ],
      [
        'GET',
        `/v1/banks/${alice}/memories?__proto__=x&limit=1`,
        undefined,
        '__proto__',
        /^__proto__: is not a query parameter of this route; expected cursor, limit$/,
      ],
      [
        'GET',
        `/v1/banks/${alice}/memories?limit=1&limit=500`,
        undefined,
        'limit',
        /^limit: is given 2 times; give each query parameter once$/,
      ],
    ];
    for (const [method, path, body, field, message] of cases) {
      const refused = await api.request(method, path, body === undefined ? {} : { body });
      expect({ path, status: refused.status, field: refused.body.error.details.field }).toEqual({
        path,
        status: 400,
        field,
      });
      expect(refused.body.error.code).toBe('invalid_input');
      expect(refused.body.error.message).toMatch(message);
    }
    expect(await texts(alice)).toEqual([]);
  });

  it('refuses a query parameter on a route that has none before doing anything: a forget "?dry_run=true" erases nothing', async () => {
    server = await startTestServer();
    const { api, alice } = server;
    const { body } = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: { content: 'Alice parks on 2' },
    });
    const attempts: [string, string, object | undefined, string][] = [
      ['DELETE', `/v1/banks/${alice}/memories/${body.memory_id}?dry_run=true`, undefined, 'dry_run'],
      // Set on a plain object, the name set its prototype instead of a key, and the forget went ahead.
      ['DELETE', `/v1/banks/${alice}/memories/${body.memory_id}?__proto__=dry_run`, undefined, '__proto__'],
      ['POST', `/v1/banks/${alice}/recall?__proto__=1`, { query: 'parking' }, '__proto__'],
      ['POST', `/v1/banks/${alice}/recall?max_results=1`, { query: 'parking' }, 'max_results'],
      ['GET', `/v1/banks/${alice}/export?tags=x`, undefined, 'tags'],
      ['POST', `/v1/banks/${alice}/memories?tags=x`, { content: 'Alice parks on 3' }, 'tags'],
    ];
    for (const [method, path, request, field] of attempts) {
      const refused = await api.request(method, path, request ? { body: request } : {});
      expect({ path, status: refused.status, field: refused.body.error.details.field }).toEqual({
        path,
        status: 400,
        field,
      });
      expect(refused.body.error.message).toBe(`${field}: is not a query parameter of this route; it has none`);
    }
    expect(await texts(alice)).toEqual(['Alice parks on 2']);
  });

  it('refuses a body on a route that takes none before doing anything: a forget with {"dry_run": true} erases nothing', async () => {
    server = await startTestServer();
    const { api, alice, url } = server;
    const { body } = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: { content: 'Alice parks on 2' },
    });
    const memory = `/v1/banks/${alice}/memories/${body.memory_id}`;
    const refusal = {
      code: 'invalid_input',
      message: 'body: this route takes none; send the request without a body',
      details: { field: 'body' },
    };
    const sent = await api.request('DELETE', memory, { body: { dry_run: true } });
    expect(sent).toMatchObject({ status: 400, body: { error: refusal } });
    // A streamed body declares no length: its bytes tell.
    const streamed = await fetch(`${url}${memory}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE_TOKEN}` },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"dry_run": true}'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect({ status: streamed.status, body: await streamed.json() }).toEqual({ status: 400, body: { error: refusal } });
    // fetch sends no body with a GET; other clients do, and its filters were ignored.
    const { host } = new URL(url);
    const head = `Host: ${host}\r\nAuthorization: Bearer ${ALICE_TOKEN}\r\nConnection: close\r\n`;
    const filters = '{"limit":1,"tags":["x"]}';
    for (const request of [
      `GET /v1/banks/${alice}/memories HTTP/1.1\r\n${head}Content-Length: ${filters.length}\r\n\r\n${filters}`,
      `GET /v1/banks/${alice}/export HTTP/1.1\r\n${head}Transfer-Encoding: chunked\r\n\r\n${filters.length.toString(16)}\r\n${filters}\r\n0\r\n\r\n`,
    ]) {
      const [answer, ...more] = await rawHttpExchange(url, request);
      expect(more).toEqual([]);
      expect({ status: answer?.status, body: JSON.parse(answer?.body ?? '') }).toEqual({
        status: 400,
        body: { error: refusal },
      });
    }
    expect(await texts(alice)).toEqual(['Alice parks on 2']);

    // An empty body is no body: ordinary clients' GET, HEAD and DELETE go through.
    const [listed] = await rawHttpExchange(
      url,
      `GET /v1/banks/${alice}/memories HTTP/1.1\r\n${head}Content-Length: 0\r\n\r\n`,
    );
    expect(listed?.status).toBe(200);
    expect(
      (
        await fetch(`${url}/v1/banks/${alice}/export`, {
          method: 'HEAD',
          headers: { authorization: `Bearer ${ALICE_TOKEN}` },
        })
      ).status,
    ).toBe(200);
    expect(
      await api.request('DELETE', memory, { body: '', headers: { 'content-type': 'application/json' } }),
    ).toMatchObject({
      status: 200,
      body: { deleted_count: 1 },
    });
    expect(await texts(alice)).toEqual([]);
  });

  it('names a field the brain refuses as the request sent it, keeping the keys of its metadata as they are', async () => {
    server = await startTestServer();
    const { api, alice } = server;
    const turn = { speaker: 'Ana', text: 'I moved to Lisbon.' };
    const cases: [string, unknown, string, RegExp][] = [
      ['memories', { content: 'x', occurred_at: '0000-06-01' }, 'occurred_at', /^occurred_at: must fall in the years/],
      [
        'conversations',
        { turns: [turn, { ...turn, occurred_at: '0000-06-01' }] },
        'turns.1.occurred_at',
        /^turns\.1\.occurred_at: must fall in the years/,
      ],
      ['conversations', { turns: [{ ...turn, speaker: 'Ana\tB' }] }, 'turns.0.speaker', /control characters/],
      ['conversations', { session_id: 'a\u0001b', turns: [turn] }, 'session_id', /^session_id: /],
      [
        'memories',
        { content: 'x', metadata: { ownerName: 'a\ud800' } },
        'metadata.ownerName',
        /^metadata\.ownerName: /,
      ],
    ];
    for (const [route, body, field, message] of cases) {
      const refused = await api.request('POST', `/v1/banks/${alice}/${route}`, { body });
      expect({ field: refused.body.error.details.field, status: refused.status }).toEqual({ field, status: 400 });
      expect(refused.body.error.message).toMatch(message);
    }
    expect(await texts(alice)).toEqual([]);
  });

  it('answers 415 to a body that is not JSON, 404 to an unknown route and 405 to a method its path does not have', async () => {
    server = await startTestServer();
    const { api, alice } = server;
    const form = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: 'content=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    // Bytes that UTF-8 would read as other characters, or not at all, are refused the same way; nothing is stored.
    const body = JSON.stringify({ content: 'Café opens at nine' });
    for (const [headers, message] of [
      [{ 'content-type': 'application/json; charset=latin1' }, 'send the body as UTF-8 JSON; got charset "latin1"'],
      [
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        'send the body uncompressed; got Content-Encoding "gzip"',
      ],
    ] as const) {
      const refused = await api.request('POST', `/v1/banks/${alice}/memories`, { body, headers });
      expect(refused).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type', message } } });
    }
    const accepted = [
      ['application/json; charset=utf-8', 'Café opens at nine'],
      ['application/json; charset="UTF-8"', 'Crème brûlée on Fridays'],
    ] as const;
    for (const [type, content] of accepted) {
      const taken = await api.request('POST', `/v1/banks/${alice}/memories`, {
        body: JSON.stringify({ content }),
        headers: { 'content-type': type },
      });
      expect(taken.status).toBe(201);
    }
    const stored = (await api.request('GET', `/v1/banks/${alice}/memories`)).body.items as { text: string }[];
    expect(stored.map((m) => m.text)).toEqual(accepted.map(([, content]) => content));
    // A memory id in the path that cannot be one is named as the path names it.
    for (const [method, path] of [
      ['DELETE', `/v1/banks/${alice}/memories/${'m'.repeat(129)}`],
      ['GET', `/v1/banks/${alice}/memories/a%00b/history`],
    ] as const) {
      const refused = await api.request(method, path);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_input', details: { field: 'id' } });
    }
    const missing = await api.request('GET', '/v2/banks');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    // A long unknown path is cut in the message, not echoed back whole.
    const long = await api.request('GET', `/v1/${'x'.repeat(5000)}`);
    expect(long.status).toBe(404);
    expect(long.body.error.message.length).toBeLessThan(300);
    // A path the API has, with a method it does not: 405, and the methods it has, in the body and the Allow header.
    for (const [method, path, template, allow] of [
      ['PUT', `/v1/banks/${alice}/memories`, '/v1/banks/{bank}/memories', ['GET', 'HEAD', 'POST']],
      ['GET', `/v1/banks/${alice}/recall`, '/v1/banks/{bank}/recall', ['POST']],
      ['POST', '/openapi.json', '/openapi.json', ['GET', 'HEAD']],
    ] as const) {
      const refused = await api.request(method, path);
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')).toBe(allow.join(', '));
      expect(refused.body.error).toEqual({
        code: 'method_not_allowed',
        message: `${template} has no method ${method}; it has ${allow.join(', ')}`,
        details: { method, allow },
      });
    }
    expect(await texts(alice)).toEqual(stored.map((m) => m.text));
  });

  it('answers 413 to a body over maxBodyBytes, by its Content-Length or counted while chunked, storing nothing', async () => {
    server = await startTestServer({ serve: { maxBodyBytes: 1000 } });
    const { api, alice, url } = server;
    const huge = { content: 'x'.repeat(5000) };
    const declared = await api.request('POST', `/v1/banks/${alice}/memories`, { body: huge });
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatchObject({ code: 'request_too_large', details: { maxBytes: 1000 } });

    // A streamed body is sent chunked, with no Content-Length to go by.
    const bytes = new TextEncoder().encode(JSON.stringify(huge));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 500) controller.enqueue(bytes.slice(i, i + 500));
        controller.close();
      },
    });
    const chunked = await fetch(`${url}/v1/banks/${alice}/memories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer alice-token-0123456789abcdef' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe('request_too_large');

    const small = await api.request('POST', `/v1/banks/${alice}/memories`, { body: { content: 'fits' } });
    expect(small.status).toBe(201);
    expect(await texts(alice)).toEqual(['fits']);
  });

  it('cuts an export whose later page fails, without a word on the console or in the body', async () => {
    const midMinute = new Date('2026-06-01T12:00:15Z');
    const reported: unknown[] = [];
    server = await startTestServer({
      access: { rateLimits: [{ principal: 'user:*', operationsPerMinute: 3 }] },
      now: () => midMinute,
      serve: { onError: (error) => reported.push(error) },
    });
    const { url, alice, brain } = server;
    // Three pages of 500; writing them and the first two reads spend the minute's three operations.
    const items = Array.from({ length: 1100 }, (_, i) => ({ content: `inventory line ${i} of the warehouse` }));
    await brain.retainMany(items, { bankId: alice, context: { principal: `user:${alice}` } });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const response = await fetch(`${url}/v1/banks/${alice}/export`, {
        headers: { authorization: `Bearer ${ALICE_TOKEN}` },
      });
      expect(response.status).toBe(200);
      const body = await response.text().catch((error: Error) => error);
      expect(body).toBeInstanceOf(Error);
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
    // A rate limit is the caller's, not the server's: nothing to report.
    expect(reported).toEqual([]);
  });

  it('answers 429 with Retry-After once the rate limit is spent', async () => {
    // Inside one minute of the rate limit's window: on the wall clock, the three requests could straddle two.
    const midMinute = new Date('2026-06-01T12:00:15Z');
    server = await startTestServer({
      access: { rateLimits: [{ principal: 'user:*', operationsPerMinute: 2 }] },
      now: () => midMinute,
    });
    const { api, alice } = server;
    for (let i = 0; i < 2; i++) expect((await api.request('GET', `/v1/banks/${alice}/memories`)).status).toBe(200);
    const limited = await api.request('POST', `/v1/banks/${alice}/memories`, { body: { content: 'one too many' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await texts(alice)).toEqual([]);
  });

  it('answers 409 policy_violation to forgetting a memory under legal hold, which stays', async () => {
    server = await startTestServer();
    const { api, alice } = server;
    const { body } = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: { content: 'Contract signed with Acme on 2 May', tags: ['legal-hold'] },
    });
    const refused = await api.request('DELETE', `/v1/banks/${alice}/memories/${body.memory_id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('policy_violation');
    expect(refused.body.error.message).toMatch(/legal hold/);
    expect(await texts(alice)).toEqual(['Contract signed with Acme on 2 May']);
  });

  it('answers a failed store with its code and what it means, never its message, and reports the error', async () => {
    const reported: [unknown, string][] = [];
    server = await startTestServer({ serve: { onError: (error, requestId) => reported.push([error, requestId]) } });
    const { api, alice, brain } = server;
    await brain.close();
    const failed = await api.request('POST', `/v1/banks/${alice}/recall`, { body: { query: 'secret plans' } });
    expect(failed.status).toBe(500);
    expect(failed.body.error).toEqual({ code: 'store_closed', message: ERROR_CODES.store_closed, details: {} });
    expect(reported).toEqual([[expect.objectContaining({ code: 'store_closed' }), failed.headers.get('x-request-id')]]);
  });
  it('answers what does not parse as HTTP with JSON, after the answer to the request before it', async () => {
    server = await startTestServer();
    const { host } = new URL(server.url);
    const body = JSON.stringify({ content: 'Alice drinks green tea' });
    // A Content-Length that counts the JSON but not what follows it: the rest reads as a next request.
    const [stored, malformed, ...more] = await rawHttpExchange(
      server.url,
      `POST /v1/banks/${server.alice}/memories HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${ALICE_TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}\n{"content":"again"}\r\n\r\n`,
    );
    expect(more).toEqual([]);
    expect(stored?.status).toBe(201);
    expect(malformed).toMatchObject({ status: 400, headers: { connection: 'close' } });
    expect(JSON.parse(malformed?.body ?? '').error).toMatchObject({
      code: 'malformed_request',
      message: expect.stringContaining('a body longer than its Content-Length is read as the start of a next request'),
    });
    expect(await texts(server.alice)).toEqual(['Alice drinks green tea']);

    const [huge] = await rawHttpExchange(
      server.url,
      `GET /v1/banks/${server.alice}/memories HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge?.status).toBe(431);
    expect(JSON.parse(huge?.body ?? '').error.code).toBe('request_too_large');
  });

  it('answers a Host header that cannot form a URL with the JSON of a malformed request', async () => {
    server = await startTestServer();
    const { host } = new URL(server.url);
    for (const odd of [`${host}.`, `${host}@evil.example`]) {
      const [answer] = await rawHttpExchange(
        server.url,
        `GET /v1/banks/${server.alice}/memories HTTP/1.1\r\nHost: ${odd}\r\nAuthorization: Bearer ${ALICE_TOKEN}\r\n\r\n`,
      );
      expect(answer?.status).toBe(400);
      expect(JSON.parse(answer?.body ?? '').error).toEqual({
        code: 'malformed_request',
        message: expect.stringMatching(
          /^the request's Host header or target cannot form a URL \(Invalid (host header|URL)\)$/,
        ),
        details: {},
      });
    }
  });

  it('answers a chunked body that does not parse at once, stores nothing and reports no server error', async () => {
    const reported: unknown[] = [];
    server = await startTestServer({ serve: { onError: (error) => reported.push(error) } });
    const { host } = new URL(server.url);
    // Its route waits for the body; the parser stops at the chunk size "zz", so the body never ends.
    const [answer, ...more] = await rawHttpExchange(
      server.url,
      `POST /v1/banks/${server.alice}/memories HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${ALICE_TOKEN}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{"content":"tea"}\r\n0\r\n\r\n',
    );
    expect(more).toEqual([]);
    expect(answer).toMatchObject({ status: 400, headers: { connection: 'close' } });
    expect(JSON.parse(answer?.body ?? '').error).toMatchObject({
      code: 'malformed_request',
      message: expect.stringContaining('Invalid character in chunk size'),
    });
    // The route's read of the body ends as the connection closes: a client's error, not the server's.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reported).toEqual([]);
    expect(await texts(server.alice)).toEqual([]);
  });
});
