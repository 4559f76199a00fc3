import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from '../../embedders/embedder.js';
import { fakeEmbeddingVector, fakeProviderServerPerTest } from './index.js';

const fake = fakeProviderServerPerTest();

describe('the fake provider server with the unmodified official clients', () => {
  it("serves base64 embeddings, the openai client's default encoding", async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: fake.server.openaiBaseURL, maxRetries: 0 });
    const response = await client.embeddings.create({ model: 'm', input: ['hello world', 'other'], dimensions: 48 });
    expect(fake.server.requestsTo('/v1/embeddings')[0]?.body).toMatchObject({ encoding_format: 'base64' });
    const first = Float32Array.from(response.data[0]?.embedding as number[]);
    expect(first).toHaveLength(48);
    expect(cosineSimilarity(first, fakeEmbeddingVector('hello world', 48))).toBeCloseTo(1, 5);
  });

  it('answers chat completions and messages in shapes the clients parse', async () => {
    const openai = new OpenAI({ apiKey: 'k', baseURL: fake.server.openaiBaseURL, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: '[1] (2024-01-01) tea is green' }],
    });
    expect(completion.choices[0]?.message.content).toBe('According to memory, tea is green [1]');
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: fake.server.anthropicBaseURL, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'no memories here' }],
    });
    expect(message.content[0]?.type === 'text' && message.content[0].text).toBe(
      'Memory does not hold the answer to that.',
    );
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });

  it('refuses what the real APIs refuse', async () => {
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: fake.server.anthropicBaseURL, maxRetries: 0 });
    const error = await anthropic.messages
      .create({
        model: 'claude',
        messages: [{ role: 'user', content: 'x' }],
      } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('uses faults in order, per path, the given number of times', async () => {
    fake.server.fail({ path: '/v1/messages', status: 529, times: 2 }).fail({ status: 429, retryAfter: 7 });
    const openai = new OpenAI({ apiKey: 'k', baseURL: fake.server.openaiBaseURL, maxRetries: 0 });
    const error = await openai.embeddings.create({ model: 'm', input: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    await expect(openai.embeddings.create({ model: 'm', input: 'x' })).resolves.toBeTruthy();
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: fake.server.anthropicBaseURL, maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      await expect(
        anthropic.messages.create({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toBeInstanceOf(Anthropic.APIError);
    }
    await expect(
      anthropic.messages.create({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    ).resolves.toBeTruthy();
    expect(fake.server.requests.map((r) => r.status)).toEqual([429, 200, 529, 529, 200]);
  });
});
