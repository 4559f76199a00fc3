import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Astrocyte, type Brain, PROTOTYPE_KEY_REASON } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHttpServer, serveHttp } from './serve-http.js';

// The JSON-RPC text of a tool call, with the raw text of its arguments, so that a test can give a key twice.
const toolCall = (id: number, name: string, args: string) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":${args}}}`;

// "café" with é as the Latin-1 byte 0xE9, which is not UTF-8.
const latin1Call = (id: number) => Buffer.from(toolCall(id, 'memory_retain', '{"content":"café"}'), 'latin1');

const DUPLICATE = '{"content":"first version","content":"second version"}';
const PROTO = '{"content":"tea","__proto__":{"tags":"x"}}';

describe('MCP over HTTP reads the body before the SDK', () => {
  let brain: Brain;
  let bankId: string;
  let running: RunningHttpServer;

  beforeAll(async () => {
    brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    bankId = randomBankId('mcp-raw');
    running = await serveHttp(brain, { bankId, port: 0 });
  });

  afterAll(async () => {
    await running.close();
    await brain.close();
  });

  const post = async (body: string | Buffer, contentType = 'application/json', more: Record<string, string> = {}) => {
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: 'application/json, text/event-stream', ...more },
      body,
    });
    // A refusal is JSON; an answer comes as an event stream.
    const json = response.headers.get('content-type') === 'application/json';
    return [response.status, json ? await response.json() : await response.text()];
  };
  const refusal = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

  it('refuses a charset other than UTF-8 with 415 and bytes that are not UTF-8 with 400, storing nothing', async () => {
    expect(await post(latin1Call(1), 'application/json; charset=latin1')).toEqual([
      415,
      refusal(-32000, 'send the body as UTF-8 JSON; got charset "latin1"'),
    ]);
    expect(await post(latin1Call(2))).toEqual([400, refusal(-32700, 'body: is not valid UTF-8')]);
    expect(await post(latin1Call(3), 'application/json', { 'content-encoding': 'gzip' })).toEqual([
      415,
      refusal(-32000, 'send the body uncompressed; got Content-Encoding "gzip"'),
    ]);
    const [status] = await post(toolCall(3, 'memory_retain', '{"content":"café"}'), 'application/json; charset=utf-8');
    expect(status).toBe(200);
    expect((await brain.list(bankId)).items.map((memory) => memory.text)).toEqual(['café']);
  });

  it('refuses a key given twice or __proto__ with 400 naming its path, storing nothing', async () => {
    const before = (await brain.list(bankId)).items.length;
    expect(await post(toolCall(1, 'memory_retain', DUPLICATE))).toEqual([
      400,
      refusal(-32600, 'params.arguments.content: is given more than once in the body; give each key once'),
    ]);
    expect(await post(toolCall(2, 'memory_recall', '{"query":"tea","max_results":1,"max_results":50}'))).toEqual([
      400,
      refusal(-32600, 'params.arguments.max_results: is given more than once in the body; give each key once'),
    ]);
    expect(await post(toolCall(3, 'memory_retain', PROTO))).toEqual([
      400,
      refusal(-32600, `params.arguments.__proto__: ${PROTOTYPE_KEY_REASON}`),
    ]);
    expect((await brain.list(bankId)).items.length).toBe(before);
  });

  it('refuses a batch that gives two requests one id with 400, storing nothing', async () => {
    const before = (await brain.list(bankId)).items.length;
    const retain = (id: number | string, content: string) =>
      toolCall(0, 'memory_retain', JSON.stringify({ content })).replace('"id":0', `"id":${JSON.stringify(id)}`);
    expect(await post(`[${retain(1, 'batch one')},${retain(1, 'batch two')}]`)).toEqual([
      400,
      refusal(-32600, 'body: request id 1 is given twice in one batch; give each its own'),
    ]);
    expect(await post(`[${retain('a', 'batch one')},${retain('a', 'batch two')}]`)).toEqual([
      400,
      refusal(-32600, 'body: request id "a" is given twice in one batch; give each its own'),
    ]);
    expect((await brain.list(bankId)).items.length).toBe(before);
  });

  it('answers an empty batch with 400 and a JSON-RPC Invalid Request, as JSON-RPC asks', async () => {
    expect(await post('[]')).toEqual([400, refusal(-32600, 'body: is an empty batch; send at least one message')]);
  });

  it('refuses a batch of more than 100 messages with 400, storing nothing', async () => {
    const before = (await brain.list(bankId)).items.length;
    const batch = Array.from({ length: 101 }, (_, id) => toolCall(id, 'memory_retain', `{"content":"fact ${id}"}`));
    expect(await post(`[${batch.join(',')}]`)).toEqual([
      400,
      refusal(-32600, 'Invalid Request: Batch must not exceed 100 messages'),
    ]);
    expect((await brain.list(bankId)).items.length).toBe(before);
  });

  it('refuses a client that does not accept both JSON and an event stream with 406, as curl by default', async () => {
    const call = toolCall(1, 'memory_recall', '{"query":"tea"}');
    const notAcceptable = refusal(
      -32000,
      'Not Acceptable: Client must accept both application/json and text/event-stream',
    );
    expect(await post(call, 'application/json', { accept: '*/*' })).toEqual([406, notAcceptable]);
    expect(await post(call, 'application/json', { accept: 'application/json' })).toEqual([406, notAcceptable]);
  });

  it('refuses an MCP-Protocol-Version header naming a version it does not speak with 400', async () => {
    const [status, body] = await post(toolCall(1, 'memory_recall', '{"query":"tea"}'), 'application/json', {
      'mcp-protocol-version': '1999-01-01',
    });
    expect([status, body]).toEqual([
      400,
      refusal(-32000, expect.stringMatching(/^Bad Request: Unsupported protocol version: 1999-01-01 \(supported/)),
    ]);
  });
});

type Response = { id: unknown; result?: { content: { text: string }[] }; error?: { code: number; message: string } };

// The stdio fixture as a real child process, spoken to in raw lines: the SDK's client would only send what it
// serializes itself.
class StdioChild {
  readonly process: ChildProcessWithoutNullStreams;
  stderr = '';
  private pending = '';
  private readonly waiting = new Map<unknown, (response: Response) => void>();
  // Rejects when the server exits, so that a call it never answers fails saying so.
  private readonly exited: Promise<never>;

  constructor(env: Record<string, string> = {}) {
    this.process = spawn(
      process.execPath,
      [
        '--conditions=@astrocyte/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./stdio-server.fixture.ts', import.meta.url)),
      ],
      { cwd: fileURLToPath(new URL('../../..', import.meta.url)), env: { ...process.env, ...env } },
    );
    this.exited = new Promise((_, reject) => {
      this.process.once('exit', (code) => reject(new Error(`the server exited with code ${code}: ${this.stderr}`)));
    });
    this.exited.catch(() => undefined);
    // Writing to a server that exited fails with EPIPE; `exited` says why.
    this.process.stdin.on('error', () => undefined);
    this.process.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.process.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.pending + chunk).split('\n');
      this.pending = lines.pop() ?? '';
      for (const line of lines) {
        const response = JSON.parse(line) as Response;
        this.waiting.get(response.id)?.(response);
      }
    });
  }

  /** Writes `line` and a newline; resolves with the response of id `id`. */
  call(id: number, line: string | Buffer): Promise<Response> {
    const answered = this.answer(id);
    this.process.stdin.write(line);
    this.process.stdin.write('\n');
    return answered;
  }

  /** The response of id `id`, to a line written after this call. */
  answer(id: number): Promise<Response> {
    const answered = new Promise<Response>((resolve) => this.waiting.set(id, resolve));
    return Promise.race([answered, this.exited]);
  }

  async initialize(): Promise<void> {
    const params = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } };
    await this.call(0, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params }));
    this.process.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  }

  async texts(id: number): Promise<string[]> {
    const recalled = await this.call(
      id,
      toolCall(id, 'memory_recall', '{"query":"version tea café","max_results":10}'),
    );
    const { hits } = JSON.parse(recalled.result?.content[0]?.text ?? '') as { hits: { text: string }[] };
    return hits.map((hit) => hit.text);
  }

  close(): Promise<unknown> {
    this.process.stdin.end();
    return new Promise((resolve) => this.process.once('exit', resolve));
  }
}

describe('MCP over stdio reads each line before the SDK', () => {
  it('answers bytes that are not UTF-8 and a key given twice or __proto__ with errors, stores nothing, and goes on', async () => {
    const child = new StdioChild();
    try {
      await child.initialize();
      expect(await child.call(1, latin1Call(1))).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32700, message: 'message: is not valid UTF-8' },
      });
      expect(await child.call(2, toolCall(2, 'memory_retain', DUPLICATE))).toEqual({
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32600,
          message: 'params.arguments.content: is given more than once in the message; give each key once',
        },
      });
      // The id last, as the SDK's own client writes a request.
      const protoLast = `{"method":"tools/call","params":{"name":"memory_retain","arguments":${PROTO}},"jsonrpc":"2.0","id":3}`;
      expect(await child.call(3, protoLast)).toEqual({
        jsonrpc: '2.0',
        id: 3,
        error: { code: -32600, message: `params.arguments.__proto__: ${PROTOTYPE_KEY_REASON}` },
      });
      expect(await child.texts(4)).toEqual([]);
      const stored = await child.call(5, toolCall(5, 'memory_retain', '{"content":"café"}'));
      expect(stored.result?.content[0]?.text).toContain('"stored":true');
      expect(await child.texts(6)).toEqual(['café']);
      // A line that starts with a byte order mark, as an HTTP body may: answered as the same line without it.
      const marked = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(toolCall(7, 'memory_recall', '{"query":"café"}')),
      ]);
      expect(JSON.parse((await child.call(7, marked)).result?.content[0]?.text ?? '').hits).toHaveLength(1);
    } finally {
      await child.close();
    }
  });

  it('answers each request of a batch, which the SDK would drop without a word, with an error, and goes on', async () => {
    const child = new StdioChild();
    try {
      await child.initialize();
      const answers = [1, 2].map((id) => child.answer(id));
      const batch = `[${toolCall(1, 'memory_retain', '{"content":"in a batch"}')},{"jsonrpc":"2.0","method":"notifications/x"},${toolCall(2, 'memory_recall', '{"query":"batch"}')}]`;
      child.process.stdin.write(`${batch}\n`);
      const error = {
        code: -32600,
        message: 'message: is a JSON-RPC batch; over stdio send each message on a line of its own',
      };
      expect(await Promise.all(answers)).toEqual([
        { jsonrpc: '2.0', id: 1, error },
        { jsonrpc: '2.0', id: 2, error },
      ]);
      expect(await child.texts(3)).toEqual([]);
    } finally {
      await child.close();
    }
  });

  it('takes a retain of the longest content past the SDK buffer, answers a longer one, and goes on serving', async () => {
    // 1,800,000 characters of €, each written as the escape \u20ac, are 10.8 MB of JSON: over the SDK's default
    // buffer of 10 MiB, within the limit of bodyBytesFor(1,800,000), 10,865,536 bytes.
    const child = new StdioChild({ ASTROCYTE_TEST_MAX_CONTENT_LENGTH: '1800000' });
    try {
      await child.initialize();
      const longest = `{"content":"${'\\u20ac'.repeat(1_800_000)}"}`;
      const stored = await child.call(1, toolCall(1, 'memory_retain', longest));
      expect(stored.result?.content[0]?.text).toContain('"stored":true');
      const longer = `{"method":"tools/call","params":{"name":"memory_retain","arguments":{"content":"${'\\u20ac'.repeat(1_850_000)}"}},"jsonrpc":"2.0","id":2}`;
      expect(await child.call(2, longer)).toEqual({
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32600,
          message: `message: is ${Buffer.byteLength(longer)} bytes; the limit is 10865536`,
        },
      });
      // A notification has no id to answer: it is dropped, and the operator told why.
      const notification = `{"jsonrpc":"2.0","method":"notifications/x","params":{"a":"${'x'.repeat(11_000_000)}"}}`;
      child.process.stdin.write(`${notification}\n`);
      expect((await child.call(3, '{"jsonrpc":"2.0","id":3,"method":"tools/list"}')).result).toBeDefined();
      expect(child.stderr).toContain(
        `dropped: message: is ${Buffer.byteLength(notification)} bytes; the limit is 10865536`,
      );
      expect(child.process.exitCode).toBeNull();
    } finally {
      await child.close();
    }
  });
});
