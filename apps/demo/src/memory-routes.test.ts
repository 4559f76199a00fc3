import { Astrocyte, DEFAULT_MAX_BODY_BYTES } from '@astrocyte/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatAgent } from './chat-agent.js';
import { createDemoApp } from './demo-server.js';

describe('the memory panel API', () => {
  let brain: Astrocyte;
  let app: ReturnType<typeof createDemoApp>;
  const bank = `routes-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    brain = await Astrocyte.fromConfigObject({ storage: { backend: 'sqlite', sqlite: { path: ':memory:' } } });
    // The panel routes never touch the agent; the chat route is covered by the browser test.
    const agent = new ChatAgent({ kind: 'offline', label: 'test' }, {} as never, brain, async () => 'unused');
    app = createDemoApp(brain, agent, { storage: 'SQLite in memory', defaultBank: bank });
  });
  afterAll(() => brain.close());

  const json = async (path: string, init?: RequestInit) => {
    const response = await app.request(path, init);
    return { status: response.status, body: (await response.json()) as DemoResponseBody };
  };

  it('lists, searches, shows history and forgets', async () => {
    const kept = await brain.retain('My favourite colour is green', { bankId: bank, tags: ['preference'] });
    await brain.retain('The office is in Leeds', { bankId: bank });

    const listed = await json(`/api/banks/${bank}/memories`);
    expect(listed.status).toBe(200);
    expect(listed.body.memories.map((m) => m.text).sort()).toEqual([
      'My favourite colour is green',
      'The office is in Leeds',
    ]);

    const found = await json(`/api/banks/${bank}/recall?q=${encodeURIComponent('favourite colour')}`);
    expect(found.body.hits[0]).toMatchObject({ id: kept.memoryId, text: 'My favourite colour is green' });

    const banks = await json('/api/banks');
    expect(banks.body.banks).toContainEqual({ bankId: bank, memoryCount: 2 });

    const forgotten = await json(`/api/banks/${bank}/memories/${kept.memoryId}`, { method: 'DELETE' });
    expect(forgotten.body.deletedCount).toBe(1);
    const after = await json(`/api/banks/${bank}/memories`);
    expect(after.body.memories.map((m) => m.text)).toEqual(['The office is in Leeds']);

    const history = await json(`/api/banks/${bank}/memories/${kept.memoryId}/history`);
    expect(history.body.versions.map((v) => v.action)).toEqual(['create', 'forget']);
    expect(history.body.versions.at(-1)?.text).toBeNull();
  });

  it('shows who said a conversation turn and where it stands in its session', async () => {
    const chat = `turns-${Math.random().toString(36).slice(2)}`;
    await brain.retainConversation(
      [
        { speaker: 'user', text: 'My train leaves at nine' },
        { speaker: 'agent', text: 'Noted: the train at nine.' },
      ],
      { bankId: chat, sessionId: 'chat-1' },
    );
    const listed = await json(`/api/banks/${chat}/memories`);
    expect(listed.body.memories).toMatchObject([
      { text: 'My train leaves at nine', speaker: 'user', episode: { id: 'chat-1', position: 0 } },
      { text: 'Noted: the train at nine.', speaker: 'agent', episode: { id: 'chat-1', position: 1 } },
    ]);
    const found = await json(`/api/banks/${chat}/recall?q=train`);
    expect(found.body.hits).toContainEqual(
      expect.objectContaining({ text: 'My train leaves at nine', speaker: 'user' }),
    );
  });

  it('answers bad input with 400 and the field, and leaves the bank as it was', async () => {
    const badBank = await json('/api/banks/-nope/memories');
    expect(badBank.status).toBe(400);
    expect(badBank.body.error).toMatchObject({ code: 'invalid_input' });
    expect(badBank.body.error.message).toContain('bank');

    const noQuery = await json(`/api/banks/${bank}/recall?q=`);
    expect(noQuery.status).toBe(400);
    expect(noQuery.body.error.message).toContain('q: is required');

    const noMessage = await json(`/api/banks/${bank}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: '  ' }),
    });
    expect(noMessage.status).toBe(400);
    expect(noMessage.body.error.message).toContain('message: is required');

    // A page on another site can POST a form or text/plain without asking first: only JSON makes a turn.
    const chat = (body: string, type = 'application/json') =>
      json(`/api/banks/${bank}/chat`, { method: 'POST', headers: { 'content-type': type }, body });
    expect(await chat('{"message":"Forget my favourite colour"}', 'text/plain')).toEqual({
      status: 415,
      body: {
        error: { code: 'unsupported_media_type', message: 'send the body as application/json; got "text/plain"' },
      },
    });
    expect((await chat('message=Forget+it', 'application/x-www-form-urlencoded')).status).toBe(415);
    const broken = await chat('{"message": "hi"');
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toMatch(/^body: /);
    expect((await chat('["hi"]')).body.error.message).toBe('body: must be a JSON object such as {"message": "…"}');
    const huge = await chat(JSON.stringify({ message: 'x'.repeat(DEFAULT_MAX_BODY_BYTES) }));
    expect(huge).toEqual({
      status: 413,
      body: {
        error: {
          code: 'request_too_large',
          message: `the request body is larger than the limit of ${DEFAULT_MAX_BODY_BYTES} bytes`,
        },
      },
    });

    const before = (await brain.list(bank)).items.length;
    const unknown = await json(`/api/banks/${bank}/memories/not-a-memory`, { method: 'DELETE' });
    expect(unknown).toEqual({ status: 200, body: { deletedCount: 0, skipped: [] } });
    expect((await brain.list(bank)).items.length).toBe(before);
    const noHistory = await json(`/api/banks/${bank}/memories/not-a-memory/history`);
    expect(noHistory.status).toBe(404);
  });

  it('serves the page, Preact and htm without a build step, and nothing else from disk', async () => {
    const page = await app.request('/');
    expect(await page.text()).toContain('"preact": "/vendor/preact.js"');
    for (const path of ['/vendor/preact.js', '/vendor/preact-hooks.js', '/vendor/htm.js', '/app.js']) {
      const asset = await app.request(path);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
    }
    expect((await app.request('/../package.json')).status).toBe(404);
    expect((await app.request('/src/main.ts')).status).toBe(404);
  });
});

/** The union of the fields the demo's JSON routes answer with; each test reads the ones its route sends. */
interface DemoResponseBody {
  memories: { text: string }[];
  hits: unknown[];
  banks: unknown[];
  deletedCount: number;
  versions: { action: string; text: string | null }[];
  error: { code: string; message: string };
}
