import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, ProviderAuthError, ProviderError, ValidationError } from '../errors.js';
import { fakeProviderServerPerTest } from '../testing/provider-servers/index.js';
import { AnthropicLLM } from './anthropic-llm.js';
import type { LLM } from './llm.js';
import { OpenAILLM } from './openai-llm.js';

const KEY = 'sk-ant-test-llm-key-abcdef0123456789';
const fake = fakeProviderServerPerTest({ apiKey: KEY });

type LLMOptions = { apiKey?: string; maxRetries?: number; maxTokens?: number; timeoutMs?: number };

const providers = [
  {
    name: 'anthropic',
    path: '/v1/messages',
    make: (o: LLMOptions = {}): Promise<LLM> =>
      AnthropicLLM.create({ apiKey: KEY, baseURL: fake.server.anthropicBaseURL, model: 'claude-test', ...o }),
  },
  {
    name: 'openai',
    path: '/v1/chat/completions',
    make: (o: LLMOptions = {}): Promise<LLM> =>
      OpenAILLM.create({ apiKey: KEY, baseURL: fake.server.openaiBaseURL, model: 'gpt-test', ...o }),
  },
] as const;

describe.each(providers)('$name LLM against the local server', ({ name, path, make }) => {
  it('sends the system prompt, the prompt, the model and the token limit, and returns the text', async () => {
    fake.server.answerWith((request) => `echo: ${request.prompt} / ${request.system} / ${request.maxTokens}`);
    const llm = await make();
    const answer = await llm.complete({ system: 'be brief', prompt: 'what is up?', maxTokens: 77 });
    expect(answer).toBe('echo: what is up? / be brief / 77');
    const [call] = fake.server.requestsTo(path);
    expect(call?.body).toMatchObject({ model: name === 'anthropic' ? 'claude-test' : 'gpt-test' });
    expect(llm.name).toBe(`${name}:${name === 'anthropic' ? 'claude-test' : 'gpt-test'}`);
  });

  it('lets the configured max_tokens cap the answer', async () => {
    fake.server.answerWith((request) => String(request.maxTokens));
    const llm = await make({ maxTokens: 300 });
    expect(await llm.complete({ system: 's', prompt: 'p', maxTokens: 1024 })).toBe('300');
  });

  it('retries a 429 then succeeds', async () => {
    fake.server.fail({ path, status: 429, retryAfter: '0' });
    const llm = await make();
    expect(await llm.complete({ system: 's', prompt: '[1] (2024-01-01) tea', maxTokens: 10 })).toContain('[1]');
    expect(fake.server.requestsTo(path).map((r) => r.status)).toEqual([429, 200]);
  });

  it('turns 401 and 403 into a configuration error naming the provider, without the key', async () => {
    const wrong = `${name}-wrong-secret-key-5555`;
    const llm = await make({ apiKey: wrong });
    const error = await llm.complete({ system: 's', prompt: 'p', maxTokens: 10 }).catch((err: unknown) => err);
    expect(ProviderAuthError.isInstance(error)).toBe(true);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(name);
    expect(`${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`).not.toContain(wrong);
    fake.server.fail({ path, status: 403 });
    const forbidden = await (await make())
      .complete({ system: 's', prompt: 'p', maxTokens: 10 })
      .catch((err: unknown) => err);
    expect((forbidden as ProviderAuthError).details).toMatchObject({ provider: name, status: 403 });
  });

  it('gives up on repeated 5xx with a ProviderError, not an SDK error', async () => {
    fake.server.fail({ path, status: name === 'anthropic' ? 529 : 500, times: 3 });
    const error = await (await make({ maxRetries: 2 }))
      .complete({ system: 's', prompt: 'p', maxTokens: 10 })
      .catch((err: unknown) => err);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).details).toMatchObject({ kind: 'server_error', attempts: 3 });
  });

  it('reports malformed JSON and a reply without text as typed errors', async () => {
    fake.server.fail({ path, status: 200, body: '{"id": "x", "content": [' });
    const llm = await make();
    const malformed = await llm.complete({ system: 's', prompt: 'p', maxTokens: 10 }).catch((err: unknown) => err);
    expect((malformed as ProviderError).details).toMatchObject({ kind: 'malformed_response' });
    fake.server.fail({ path, status: 200, body: JSON.stringify({ id: 'x', content: [], choices: [] }) });
    const empty = await llm.complete({ system: 's', prompt: 'p', maxTokens: 10 }).catch((err: unknown) => err);
    expect(ProviderError.isInstance(empty)).toBe(true);
    expect((empty as ProviderError).details).toMatchObject({ kind: 'malformed_response' });
  });

  it('times out a reply whose body stalls after its headers, and retries one whose connection drops mid-body', async () => {
    fake.server.fail({ path, partialBody: 'stall', times: 2 });
    const stalled = await (await make({ timeoutMs: 300, maxRetries: 1 }))
      .complete({ system: 's', prompt: 'p', maxTokens: 10 })
      .catch((err: unknown) => err);
    expect((stalled as ProviderError).details).toMatchObject({ kind: 'timeout', attempts: 2 });
    fake.server.answerWith(() => 'after the cut');
    fake.server.fail({ path, partialBody: 'cut' });
    const llm = await make({ maxRetries: 1 });
    expect(await llm.complete({ system: 's', prompt: 'p', maxTokens: 10 })).toBe('after the cut');
    expect(fake.server.requestsTo(path)).toHaveLength(4);
  });

  it("does not retry a 400, and passes on the server's reason", async () => {
    fake.server.fail({
      path,
      status: 400,
      body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } }),
    });
    const error = await (await make())
      .complete({ system: 's', prompt: 'p', maxTokens: 10 })
      .catch((err: unknown) => err);
    expect((error as Error).message).toContain('prompt is too long');
    expect((error as ProviderError).details).toMatchObject({ kind: 'rejected', status: 400, attempts: 1 });
    expect(fake.server.requestsTo(path)).toHaveLength(1);
  });
});

describe('provider LLM specifics', () => {
  it('sends max_tokens to OpenAI-compatible servers and max_completion_tokens to api.openai.com', async () => {
    await (await OpenAILLM.create({ apiKey: KEY, baseURL: fake.server.openaiBaseURL })).complete({
      system: 's',
      prompt: 'p',
      maxTokens: 9,
    });
    expect(fake.server.requestsTo('/v1/chat/completions')[0]?.body).toMatchObject({ max_tokens: 9 });
    const official = await OpenAILLM.create({
      apiKey: KEY,
      baseURL: fake.server.openaiBaseURL,
      tokenParameter: 'max_completion_tokens',
    });
    await official.complete({ system: 's', prompt: 'p', maxTokens: 9 });
    expect(fake.server.requestsTo('/v1/chat/completions')[1]?.body).toMatchObject({ max_completion_tokens: 9 });
  });

  it('sends the Anthropic key and version headers the Messages API expects', async () => {
    await (await AnthropicLLM.create({ apiKey: KEY, baseURL: fake.server.anthropicBaseURL })).complete({
      system: 's',
      prompt: 'p',
      maxTokens: 9,
    });
    const [call] = fake.server.requestsTo('/v1/messages');
    expect(call?.headers['anthropic-version']).toBeTruthy();
    const presented = call?.headers['x-api-key'] ?? String(call?.headers.authorization).replace(/^Bearer /, '');
    expect(presented).toBe(KEY);
    expect(call?.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      system: 's',
      messages: [{ role: 'user', content: 'p' }],
      max_tokens: 9,
    });
  });

  it('refuses a misspelt option, naming it, where it would have called the default model', async () => {
    for (const create of [
      () => AnthropicLLM.create({ apiKey: KEY, baseURL: fake.server.anthropicBaseURL, modle: 'claude-test' } as never),
      () => OpenAILLM.create({ apiKey: KEY, baseURL: fake.server.openaiBaseURL, modle: 'gpt-test' } as never),
    ]) {
      const error = await create().catch((err: unknown) => err);
      expect(ValidationError.isInstance(error) && error.details.field).toBe('modle');
    }
  });

  it('needs a key for the official Anthropic endpoint', async () => {
    const saved = [process.env.ANTHROPIC_API_KEY, process.env.ANTHROPIC_AUTH_TOKEN];
    delete process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_AUTH_TOKEN;
    try {
      const error = await AnthropicLLM.fromConfig({ provider: 'anthropic', model: 'claude-sonnet-4-6' }).catch(
        (err: unknown) => err,
      );
      expect(ConfigError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('ANTHROPIC_API_KEY');
      expect((error as Error).message).toContain('llm.api_key');
    } finally {
      if (saved[0] !== undefined) process.env.ANTHROPIC_API_KEY = saved[0];
      if (saved[1] !== undefined) process.env.ANTHROPIC_AUTH_TOKEN = saved[1];
    }
  });

  it('maps a refused connection to a ProviderError after retrying', async () => {
    const url = fake.server.openaiBaseURL;
    await fake.server.close();
    const llm = await OpenAILLM.create({ apiKey: KEY, baseURL: url, maxRetries: 1, retry: { sleep: async () => {} } });
    const error = await llm.complete({ system: 's', prompt: 'p', maxTokens: 9 }).catch((err: unknown) => err);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).details).toMatchObject({ kind: 'connection', attempts: 2 });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});
