import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.fixture.js';

describe('HTTP API routes', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('takes every date form the library takes: minutes without seconds, an offset, a date alone', async () => {
    const { api, alice, brain } = server;
    const forms = [
      ['2025-03-01T09:30Z', '2025-03-01T09:30:00.000Z'],
      ['2025-03-01T09:30+02:00', '2025-03-01T07:30:00.000Z'],
      ['2025-03-01T09:30:15.250-05:00', '2025-03-01T14:30:15.250Z'],
      ['2025-03-01', '2025-03-01T00:00:00.000Z'],
    ] as const;
    for (const [i, [sent]] of forms.entries()) {
      const retained = await api.request('POST', `/v1/banks/${alice}/memories`, {
        body: { content: `Delivery ${i} arrived`, occurred_at: sent },
      });
      expect(retained.status).toBe(201);
    }
    const { items } = await brain.store.list(alice, { limit: 10 });
    expect(items.map((m) => m.occurredAt?.toISOString())).toEqual(forms.map(([, stored]) => stored));
    const refused = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: { content: 'x', occurred_at: '2025-03-01T09:30:00.1234567890Z' },
    });
    expect(refused.body.error.message).toBe(
      'occurred_at: must be an ISO 8601 date or date-time such as 2025-03-01, 2025-03-01T09:30Z or 2025-03-01T09:30:00.250+02:00, got "2025-03-01T09:30:00.1234567890Z"',
    );
  });

  it('takes tags as the library does: repeats merged, blank ones dropped, 32 distinct at most', async () => {
    const { api, alice } = server;
    const taken = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: { content: 'The boiler needs a service', tags: [...Array(33).fill('home'), ' ', 'repairs'] },
    });
    expect(taken.status).toBe(201);
    const listed = await api.request('GET', `/v1/banks/${alice}/memories`);
    expect(listed.body.items.map((m: { tags: string[] }) => m.tags)).toEqual([['home', 'repairs']]);
    const tooMany = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: { content: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) },
    });
    expect(tooMany.body.error).toMatchObject({
      message: 'tags: has 33 tags; the limit is 32',
      details: { field: 'tags' },
    });
  });

  it('retains (201), recalls and reflects in the bank of the path, as the principal of the token', async () => {
    const { api, alice, brain } = server;
    const retained = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: {
        content: 'The staging database moved to db-staging-2 in March',
        tags: ['infra'],
        metadata: { ticket: 'OPS-12' },
        occurred_at: '2025-03-04',
      },
    });
    expect(retained.status).toBe(201);
    expect(retained.body).toEqual({ stored: true, memory_id: expect.any(String), deduplicated: false });

    const again = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: { content: 'The staging database moved to db-staging-2 in March' },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ stored: false, deduplicated: true, duplicate_of: retained.body.memory_id });

    const recalled = await api.request('POST', `/v1/banks/${alice}/recall`, {
      body: { query: 'where is the staging database', max_results: 3 },
    });
    expect(recalled.status).toBe(200);
    expect(recalled.body.total).toBe(1);
    expect(recalled.body.hits[0]).toMatchObject({
      id: retained.body.memory_id,
      bank_id: alice,
      text: 'The staging database moved to db-staging-2 in March',
      tags: ['infra'],
      metadata: { ticket: 'OPS-12' },
      occurred_at: '2025-03-04T00:00:00.000Z',
    });

    const reflected = await api.request('POST', `/v1/banks/${alice}/reflect`, {
      body: { query: 'Where is the staging database now?' },
    });
    expect(reflected.status).toBe(200);
    expect(reflected.body.mode).toBe('extractive');
    expect(reflected.body.answer).toContain('db-staging-2');
    expect(reflected.body.sources.map((s: { id: string }) => s.id)).toEqual([retained.body.memory_id]);

    const [version] = await brain.history(alice, retained.body.memory_id, { context: { principal: `user:${alice}` } });
    expect(version?.actor).toBe(`user:${alice}`);
  });

  it('recalls as many hits as the brain is configured for when max_results is not given', async () => {
    const { api, alice, brain } = server;
    const items = Array.from({ length: 12 }, (_, i) => ({
      content: `Deploy window ${i + 1} is reserved for team ${i + 1}`,
    }));
    await brain.retainMany(items, { bankId: alice, context: { principal: `user:${alice}` } });
    const recalled = await api.request('POST', `/v1/banks/${alice}/recall`, { body: { query: 'deploy window' } });
    expect(recalled.status).toBe(200);
    expect(recalled.body.hits).toHaveLength(10);
  });

  it('leaves out the hits scoring under min_score: the nearest memory of an unrelated query', async () => {
    const { api, alice } = server;
    for (const content of ['I am allergic to peanuts', 'My sister lives in Lisbon']) {
      expect((await api.request('POST', `/v1/banks/${alice}/memories`, { body: { content } })).status).toBe(201);
    }
    const recall = (query: string, min_score?: number) =>
      api.request('POST', `/v1/banks/${alice}/recall`, {
        body: { query, ...(min_score === undefined ? {} : { min_score }) },
      });
    const unrelated = await recall('what is quantum chromodynamics');
    expect(unrelated.body.hits.length).toBeGreaterThan(0);
    expect((await recall('what is quantum chromodynamics', 0.5)).body).toEqual({ hits: [], total: 0 });
    const sister = await recall('where does my sister live', 0.5);
    expect(sister.body.hits.map((h: { text: string; score: number }) => [h.text, h.score])).toEqual([
      ['My sister lives in Lisbon', 1],
    ]);
  });

  it('retains a conversation one memory per turn, as an episode of the session', async () => {
    const { api, alice } = server;
    const response = await api.request('POST', `/v1/banks/${alice}/conversations`, {
      body: {
        session_id: 'support-42',
        occurred_at: '2025-05-31',
        tags: ['billing'],
        turns: [
          { speaker: 'customer', text: 'My invoice from May is missing the VAT number', metadata: { channel: 'chat' } },
          {
            speaker: 'agent',
            text: 'I reissued the May invoice with VAT number DE123',
            occurred_at: '2025-06-01T10:00:00Z',
            tags: ['resolved'],
          },
        ],
      },
    });
    expect(response.status).toBe(201);
    expect(response.body.results).toEqual([
      { stored: true, memory_id: expect.any(String), deduplicated: false },
      { stored: true, memory_id: expect.any(String), deduplicated: false },
    ]);
    const listed = await api.request('GET', `/v1/banks/${alice}/memories`);
    expect(listed.body.items.map((m: { speaker: string; episode: unknown }) => [m.speaker, m.episode])).toEqual([
      ['customer', { id: 'support-42', position: 0 }],
      ['agent', { id: 'support-42', position: 1 }],
    ]);
    // The conversation's date and tags are each turn's, a turn's own added; a turn's metadata is its own.
    expect(listed.body.items).toMatchObject([
      { occurred_at: '2025-05-31T00:00:00.000Z', tags: ['billing'], metadata: { channel: 'chat' } },
      { occurred_at: '2025-06-01T10:00:00.000Z', tags: ['billing', 'resolved'], metadata: {} },
    ]);
  });

  it('lists a page at a time with cursor and limit, and exports every memory as JSON Lines', async () => {
    const { api, alice } = server;
    const texts = ['first note about apples', 'second note about pears', 'third note about plums'];
    for (const content of texts) {
      expect((await api.request('POST', `/v1/banks/${alice}/memories`, { body: { content } })).status).toBe(201);
    }
    const first = await api.request('GET', `/v1/banks/${alice}/memories?limit=2`);
    expect(first.body.items.map((m: { text: string }) => m.text)).toEqual(texts.slice(0, 2));
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api.request(
      'GET',
      `/v1/banks/${alice}/memories?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(second.body).toMatchObject({ items: [{ text: texts[2] }], next_cursor: null });

    const exported = await api.request('GET', `/v1/banks/${alice}/export`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(exported.body).toEqual([...first.body.items, ...second.body.items]);
  });

  it('exports a bank of more than one page, every memory once, in order', async () => {
    const { api, alice, brain } = server;
    const items = Array.from({ length: 1200 }, (_, i) => ({ content: `inventory line ${i} of the warehouse` }));
    await brain.retainMany(items, { bankId: alice, context: { principal: `user:${alice}` } });
    const exported = await api.request('GET', `/v1/banks/${alice}/export`);
    expect(exported.body.map((line: { text: string }) => line.text)).toEqual(items.map((item) => item.content));
  });

  it('exports an empty bank as an empty body', async () => {
    const exported = await server.api.request('GET', `/v1/banks/${server.alice}/export`);
    expect(exported).toMatchObject({ status: 200, body: [] });
  });

  it('forgets a memory by id, keeps its tombstone in history, and answers 404 for one the bank does not hold', async () => {
    const { api, alice } = server;
    const { body } = await api.request('POST', `/v1/banks/${alice}/memories`, {
      body: { content: 'Door code for the storage room is 4711' },
    });
    const forgotten = await api.request('DELETE', `/v1/banks/${alice}/memories/${body.memory_id}`);
    expect(forgotten).toMatchObject({ status: 200, body: { deleted_count: 1 } });
    const history = await api.request('GET', `/v1/banks/${alice}/memories/${body.memory_id}/history`);
    expect(history.body.versions.map((v: { action: string; text: string | null }) => [v.action, v.text])).toEqual([
      ['create', null],
      ['forget', null],
    ]);
    expect((await api.request('GET', `/v1/banks/${alice}/memories`)).body.items).toEqual([]);

    const again = await api.request('DELETE', `/v1/banks/${alice}/memories/${body.memory_id}`);
    expect(again.status).toBe(404);
    expect(again.body.error).toMatchObject({ code: 'not_found', details: { memoryId: body.memory_id } });
    const unknown = await api.request('GET', `/v1/banks/${alice}/memories/no-such-memory/history`);
    expect(unknown.status).toBe(404);
    // Shaped as the forget's 404 is: the id in the details.
    expect(unknown.body.error).toMatchObject({ code: 'not_found', details: { memoryId: 'no-such-memory' } });
  });

  it('answers every request with its own x-request-id', async () => {
    const one = await server.api.request('GET', `/v1/banks/${server.alice}/memories`);
    const two = await server.api.request('GET', '/v1/nowhere');
    const ids = [one.headers.get('x-request-id'), two.headers.get('x-request-id')];
    expect(ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('answers /healthz without a token, telling nothing of the banks', async () => {
    const health = await server.api.request('GET', '/healthz', { token: null });
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});
