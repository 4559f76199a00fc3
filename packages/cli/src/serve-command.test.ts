import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBankId } from '@astrocyte/core/testing';
import { describe, expect, it } from 'vitest';
// The HTTP API's own test client: it checks every response against the server's OpenAPI document.
import { apiClient, openApiProblems } from '../../http-api/src/api-client.fixture.js';
import { BIN_ARGS, tempProject } from './cli-process.fixture.js';

const TOKENS = {
  ALICE_TOKEN: 'alice-token-0123456789abcdef',
  BOB_TOKEN: 'bob-token-0123456789abcdef',
  CAROL_TOKEN: 'carol-token-0123456789abcdef',
};

// Each user owns the bank named after them; carol is held to two operations a minute; "litigation" holds a memory.
// Texts of up to 500,000 characters: request bodies up to bodyBytesFor(500,000), 3,065,536 bytes.
function accessYaml(alice: string, bob: string, carol: string): string {
  return [
    'limits: { max_content_length: 500000 }',
    'governance:',
    '  forget: { legal_hold_tags: [litigation] }',
    'access:',
    '  grants:',
    '    - { principal: "user:{bank}", banks: "{bank}", permissions: [read, write, forget] }',
    '  rate_limits:',
    `    - { principal: "user:${carol}", operations_per_minute: 2 }`,
    '  tokens:',
    `    - { token: "\${ALICE_TOKEN}", principal: "user:${alice}" }`,
    `    - { token: "\${BOB_TOKEN}", principal: "user:${bob}" }`,
    `    - { token: "\${CAROL_TOKEN}", principal: "user:${carol}" }`,
    '',
  ].join('\n');
}

describe('astrocyte serve', { timeout: 120_000 }, () => {
  it('serves each token as its principal: isolation, status codes and the OpenAPI document', async () => {
    const [alice, bob, carol] = [randomBankId('alice'), randomBankId('bob'), randomBankId('carol')];
    const { dir } = tempProject(accessYaml(alice, bob, carol));
    const started = await startServe(['--port', '0', '--json'], dir);
    const { url } = started;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.printed).toEqual({ url, principals: [`user:${alice}`, `user:${bob}`, `user:${carol}`] });
    try {
      const api = await apiClient(url as string, TOKENS.ALICE_TOKEN);
      expect(await openApiProblems(api.document)).toEqual({ version: '3.1', errors: [] });
      const bobs = api.as(TOKENS.BOB_TOKEN);
      const memories = `/v1/banks/${alice}/memories`;

      // Alice in her own bank: retain, recall, list, export, forget.
      const kept = await bobs.request('POST', `/v1/banks/${bob}/memories`, {
        body: { content: 'Bob parks on level 2' },
      });
      expect(kept.status).toBe(201);
      const retained = await api.request('POST', memories, {
        body: { content: 'Alice parks by the loading dock', tags: ['parking'] },
      });
      expect(retained).toMatchObject({ status: 201, body: { stored: true, memory_id: expect.any(String) } });
      const id = retained.body.memory_id as string;
      const recalled = await api.request('POST', `/v1/banks/${alice}/recall`, {
        body: { query: 'where does alice park' },
      });
      expect(recalled.body.hits.map((hit: { id: string }) => hit.id)).toEqual([id]);
      expect((await api.request('GET', memories)).body.items.map((m: { id: string }) => m.id)).toEqual([id]);
      expect((await api.request('GET', `/v1/banks/${alice}/export`)).body).toEqual([
        expect.objectContaining({ id, text: 'Alice parks by the loading dock', tags: ['parking'] }),
      ]);

      // Alice in bob's bank: refused, and bob's memory stays.
      for (const denied of [
        await api.request('POST', `/v1/banks/${bob}/recall`, { body: { query: 'parking' } }),
        await api.request('DELETE', `/v1/banks/${bob}/memories/${kept.body.memory_id}`),
        await api.request('GET', `/v1/banks/${bob}/export`),
      ]) {
        expect(denied.status).toBe(403);
        expect(denied.body.error).toMatchObject({
          code: 'access_denied',
          details: { principal: `user:${alice}`, bank: bob },
        });
      }

      // No token, a bad body, an unknown memory, a huge body.
      const anonymous = await api.request('GET', memories, { token: null });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
      const misspelt = await api.request('POST', memories, { body: { contnet: 'typo' } });
      expect(misspelt.status).toBe(400);
      expect(misspelt.body.error.details.field).toBe('contnet');
      expect((await api.request('DELETE', `${memories}/no-such-memory`)).status).toBe(404);
      // The body limit follows the config's content limit: 400,000 characters of Chinese (1.2 MB of UTF-8) are
      // stored as chunks, and a body over 1.57 MB is refused before it is read, under the 3 MB default of the API.
      const long = await api.request('POST', memories, { body: { content: '长文本测试句子，'.repeat(50_000) } });
      expect(long).toMatchObject({ status: 201, body: { stored: true } });
      expect(long.body.chunk_ids).toHaveLength(100);
      // Forgetting the document's first memory forgets every chunk.
      expect((await api.request('DELETE', `${memories}/${long.body.memory_id}`)).body).toEqual({ deleted_count: 100 });
      const huge = await api.request('POST', memories, { body: { content: 'x'.repeat(3_100_000) } });
      expect(huge.status).toBe(413);
      expect(huge.body.error.details).toEqual({ maxBytes: 3_065_536 });

      // A legal hold keeps a memory from being forgotten.
      const held = await api.request('POST', memories, {
        body: { content: 'Lease dispute with Acme', tags: ['litigation'] },
      });
      const refused = await api.request('DELETE', `${memories}/${held.body.memory_id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('policy_violation');
      expect((await api.request('DELETE', `${memories}/${id}`)).body).toEqual({ deleted_count: 1 });

      // Carol's third operation within the minute is rate limited. The server's clock is the wall clock: the three
      // requests start at least five seconds before a minute ends, so that they fall in one window of the limit.
      const second = new Date().getUTCSeconds();
      if (second >= 55) await sleep((61 - second) * 1000);
      const carols = api.as(TOKENS.CAROL_TOKEN);
      for (let i = 0; i < 2; i++) expect((await carols.request('GET', `/v1/banks/${carol}/memories`)).status).toBe(200);
      const limited = await carols.request('GET', `/v1/banks/${carol}/memories`);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      // Health without a token; a foreign Origin or Host is refused.
      expect((await api.request('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
      const origin = await api.request('GET', memories, { headers: { origin: 'http://evil.test' } });
      expect(origin).toMatchObject({ status: 403, body: { error: { code: 'host_not_allowed' } } });
      expect(await statusWithHost(url as string, 'evil.test')).toBe(403);

      // What the banks hold now: bob's memory as it was, alice's held one.
      const exported = async (client: typeof api, bank: string) =>
        (await client.request('GET', `/v1/banks/${bank}/export`)).body.map((line: { text: string }) => line.text);
      expect(await exported(bobs, bob)).toEqual(['Bob parks on level 2']);
      expect(await exported(api, alice)).toEqual(['Lease dispute with Acme']);
    } finally {
      expect(await stop(started.child)).toBe(0);
    }
  });

  it('refuses --host 0.0.0.0 without tokens, naming access.tokens', async () => {
    const { dir } = tempProject();
    const refused = await startServe(['--host', '0.0.0.0', '--port', '0'], dir);
    // A server that starts anyway must not outlive the test.
    if (refused.url) await stop(refused.child);
    expect(refused.url).toBeUndefined();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/tokens: is required to bind 0\.0\.0\.0.*access\.tokens/);
  });

  it('refuses a port in use in one line naming --port and `astrocyte serve --help`, and exits 2', async () => {
    const { dir } = tempProject();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const refused = await startServe(['--port', String(port)], dir);
      if (refused.url) await stop(refused.child);
      expect(refused.url).toBeUndefined();
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        `astrocyte: port: ${port} on 127.0.0.1 is in use by another process; stop it, or pick another port (0 picks a free one) (fix: correct --port; see \`astrocyte serve --help\`)\n`,
      );
    } finally {
      holder.close();
    }
  });
});

/** A started `astrocyte serve`: its URL once listening, or how it exited when it refused to start. */
interface StartedServe {
  child: ChildProcess;
  url?: string;
  printed?: unknown;
  code?: number | null;
  stderr: string;
}

// Settles on the printed URL or on exit, whichever comes first, so that a server that should have refused to start
// fails the test at once instead of serving until the timeout.
function startServe(args: string[], cwd: string): Promise<StartedServe> {
  // The developer's own settings must not leak into a test.
  const { ASTROCYTE_CONFIG: _config, ASTROCYTE_BANK: _bank, ...env } = process.env;
  const child = spawn(process.execPath, [...BIN_ARGS, 'serve', ...args], {
    cwd,
    env: { ...env, ...TOKENS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const url = /http:\/\/[^\s",]+/.exec(stdout)?.[0];
      if (url === undefined || !stdout.endsWith('\n')) return;
      if (!stdout.startsWith('{')) return resolve({ child, url, printed: stdout, stderr });
      // --json prints one object over several lines, which may arrive in more than one chunk.
      try {
        resolve({ child, url, printed: JSON.parse(stdout), stderr });
      } catch {}
    });
    child.once('close', (code) => resolve({ child, code, stderr }));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}

// fetch will not send a forged Host header; node:http will.
function statusWithHost(url: string, host: string): Promise<number | undefined> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    request({ host: target.hostname, port: target.port, path: '/v1/banks/x/memories', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    })
      .on('error', reject)
      .end();
  });
}
