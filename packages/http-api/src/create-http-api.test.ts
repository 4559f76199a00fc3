import { Astrocyte, type Brain, ValidationError } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpApi } from './create-http-api.js';
import { serveHttpApi } from './serve-http-api.js';

const TOKEN = 'service-token-0123456789abcdef';

describe('createHttpApi and serveHttpApi options', () => {
  let brain: Brain;
  beforeEach(async () => {
    brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
  });
  afterEach(async () => {
    await brain.close();
  });

  it('serves a standard fetch handler, for runtimes other than Node', async () => {
    // Behind a proxy that forwards the public name.
    const app = createHttpApi(brain, { port: 8080, allowedHosts: ['memory.example.com'], tokens: [{ token: TOKEN }] });
    const bank = randomBankId('fetch');
    const retain = await app.fetch(
      new Request(`https://memory.example.com/v1/banks/${bank}/memories`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'Fetch handlers run on any runtime' }),
      }),
    );
    expect(retain.status).toBe(201);
    expect((await brain.list(bank)).items.map((m) => m.text)).toEqual(['Fetch handlers run on any runtime']);
    const elsewhere = await app.fetch(new Request(`https://evil.test/v1/banks/${bank}/memories`));
    expect(elsewhere.status).toBe(403);
  });

  it('refuses to bind a non-loopback address without tokens, and weak or repeated tokens', async () => {
    const refusals: [Parameters<typeof serveHttpApi>[1], RegExp][] = [
      [{ host: '0.0.0.0', port: 0 }, /tokens: is required to bind 0\.0\.0\.0.*access\.tokens/],
      [{ port: 0, tokens: [{ token: 'short' }] }, /tokens: must be at least 16 printable characters/],
      [{ port: 0, tokens: [{ token: TOKEN }, { token: TOKEN }] }, /tokens: the same token is given twice/],
      [{ port: 0, allowedHosts: ['http://x.test/'] }, /allowedHosts: "http:\/\/x.test\/" is not a host name/],
      [{ port: 0, maxBodyBytes: 0 }, /@astrocyte\/http-api maxBodyBytes: /],
      [{ port: 0, colour: 'blue' } as never, /@astrocyte\/http-api colour: is not an option/],
    ];
    for (const [options, message] of refusals) {
      const refused = serveHttpApi(brain, options);
      await expect(refused).rejects.toThrow(message);
      await expect(refused).rejects.toSatisfy((error) => ValidationError.isInstance(error));
    }
  });

  it('refuses a port another server holds as a ValidationError naming port, and that server goes on serving', async () => {
    const first = await serveHttpApi(brain, { port: 0 });
    try {
      const port = Number(new URL(first.url).port);
      const second = serveHttpApi(brain, { port });
      await expect(second).rejects.toSatisfy((error) => ValidationError.isInstance(error));
      await expect(second).rejects.toMatchObject({
        details: { field: 'port' },
        message: `port: ${port} on 127.0.0.1 is in use by another process; stop it, or pick another port (0 picks a free one)`,
      });
      expect((await fetch(`${first.url}/v1/banks/${randomBankId('busy')}/memories`)).status).toBe(200);
    } finally {
      await first.close();
    }
  });

  it('serves loopback without tokens, every caller without a principal', async () => {
    const running = await serveHttpApi(brain, { port: 0 });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const bank = randomBankId('open');
      const listed = await fetch(`${running.url}/v1/banks/${bank}/memories`);
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual({ items: [], next_cursor: null });
    } finally {
      await running.close();
    }
  });
});
