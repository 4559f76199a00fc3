import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultFakeAnswer, type FakeChatRequest, readAnthropicRequest, readOpenAIChatRequest } from './fake-chat.js';
import { fakeEmbeddingVector, float32Base64 } from './fake-embedding-vector.js';

/** How the fake provider server behaves; every field is optional. */
export interface FakeProviderServerOptions {
  /** When set, requests must present this key (`Authorization: Bearer` or `x-api-key`); others get a 401. */
  apiKey?: string;
  /** Inputs per embeddings request above which the server answers 400, as OpenAI does above 2048. */
  maxEmbeddingInputs?: number;
  /** Dimensions returned when an embeddings request names none. Default 1536. */
  defaultDimensions?: number;
  /** Dimensions returned whatever the request asks: a model that cannot shorten its vectors. */
  fixedDimensions?: number;
  /** Writes the answers of chat completions and messages; the default quotes memory [1] and cites it. */
  answer?: (request: FakeChatRequest) => string;
}

/** A scripted failure, used by the next matching requests. */
export interface FakeFault {
  /** Only requests to this path, e.g. `/v1/embeddings`; any path when omitted. */
  path?: string;
  /** Default 500. */
  status?: number;
  /** How many requests fail this way. Default 1. */
  times?: number;
  /** The `retry-after` header. 429 and 5xx faults send `0` unless told otherwise, so retries cost no time. */
  retryAfter?: number | string | null;
  /** A raw body instead of the provider's error JSON, e.g. truncated JSON to test malformed responses. */
  body?: string;
  contentType?: string;
  /** Never answer: for timeout tests. */
  hang?: boolean;
  /**
   * Answer 200 with the headers and the first bytes of a longer body, then stop sending (`stall`) or drop the
   * connection (`cut`): a body that stalls or breaks after the SDK's own timeout stopped counting.
   */
  partialBody?: 'stall' | 'cut';
}

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
}

type Api = 'openai' | 'anthropic';

// GET /v1/models in a shape both SDKs page through: OpenAI's list and Anthropic's page fields side by side.
const FAKE_MODEL_IDS = ['text-embedding-3-small', 'gpt-4.1-mini', 'claude-sonnet-4-6'];
const FAKE_MODELS = {
  object: 'list',
  data: FAKE_MODEL_IDS.map((id) => ({
    id,
    object: 'model',
    type: 'model',
    created: 1_700_000_000,
    created_at: '2025-01-01T00:00:00Z',
    display_name: id,
    owned_by: 'fake',
  })),
  has_more: false,
  first_id: FAKE_MODEL_IDS[0],
  last_id: FAKE_MODEL_IDS.at(-1),
};

/**
 * A local HTTP server implementing the provider endpoints Astrocyte uses, well enough for the official `openai`
 * and `@anthropic-ai/sdk` clients to parse its answers: POST /v1/embeddings (deterministic vectors honouring
 * `dimensions` and `encoding_format`), POST /v1/chat/completions, POST /v1/messages and GET /v1/models (a fixed
 * list, for health probes). It records requests and injects faults (status codes, retry-after, malformed bodies,
 * hangs). Point a client at `openaiBaseURL` or `anthropicBaseURL`.
 */
export class FakeProviderServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  private readonly faults: (FakeFault & { times: number })[] = [];
  private answer: (request: FakeChatRequest) => string;
  private responses = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: FakeProviderServerOptions,
  ) {
    this.answer = options.answer ?? defaultFakeAnswer;
  }

  /** Starts a server on 127.0.0.1 at a free port. */
  static async start(options: FakeProviderServerOptions = {}): Promise<FakeProviderServer> {
    let instance: FakeProviderServer | undefined;
    const server = createServer((req, res) => {
      (instance as FakeProviderServer).handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new FakeProviderServer(server, `http://127.0.0.1:${port}`, options);
    return instance;
  }

  /** The `baseURL` for the `openai` client (and `base_url` in astrocyte.yaml). */
  get openaiBaseURL(): string {
    return `${this.url}/v1`;
  }

  /** The `baseURL` for the `@anthropic-ai/sdk` client (and `base_url` in astrocyte.yaml). */
  get anthropicBaseURL(): string {
    return this.url;
  }

  /** Queues a fault; faults are used in the order they were added. */
  fail(fault: FakeFault = {}): this {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
    return this;
  }

  /** Replaces the answer writer for chat completions and messages. */
  answerWith(answer: (request: FakeChatRequest) => string): this {
    this.answer = answer;
    return this;
  }

  /** The recorded requests to one path. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Stops the server, cutting off any hanging request. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] as string;
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Recorded as text; the endpoint answers 400 below.
    }
    const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, status: 0 };
    this.requests.push(record);
    const api: Api = path === '/v1/messages' ? 'anthropic' : 'openai';
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      const requestId = `req_fake_${++this.responses}`;
      res.writeHead(status, {
        'content-type': 'application/json',
        [api === 'anthropic' ? 'request-id' : 'x-request-id']: requestId,
        ...headers,
      });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };

    const fault = this.takeFault(path);
    if (fault) {
      if (fault.hang) return;
      if (fault.partialBody) {
        record.status = 200;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"object":"list","data":[');
        if (fault.partialBody === 'cut') setTimeout(() => res.destroy(), 20);
        return;
      }
      const status = fault.status ?? 500;
      const retryAfter =
        fault.retryAfter === undefined ? (status === 429 || status >= 500 ? '0' : null) : fault.retryAfter;
      record.status = status;
      res.writeHead(status, {
        'content-type': fault.contentType ?? 'application/json',
        ...(retryAfter !== null ? { 'retry-after': String(retryAfter) } : {}),
      });
      res.end(fault.body ?? JSON.stringify(errorBody(api, status, `injected fault (HTTP ${status})`)));
      return;
    }
    if (this.options.apiKey !== undefined) {
      const presented = presentedKey(req);
      if (presented !== this.options.apiKey) {
        // Real servers echo (part of) the presented key; echoing all of it tests that clients never repeat it.
        return send(401, errorBody(api, 401, `Incorrect API key provided: ${presented ?? '(none)'}`));
      }
    }
    if (req.method === 'GET' && path === '/v1/models') return send(200, FAKE_MODELS);
    if (req.method !== 'POST') return send(405, errorBody(api, 405, `${req.method} is not supported`));
    if (typeof body !== 'object' || body === null)
      return send(400, errorBody(api, 400, 'the body must be a JSON object'));
    const json = body as Record<string, unknown>;
    switch (path) {
      case '/v1/embeddings':
        return send(...this.embeddings(json));
      case '/v1/chat/completions': {
        const request = readOpenAIChatRequest(json);
        if (typeof request === 'string') return send(400, errorBody(api, 400, request));
        const content = this.answer(request);
        return send(200, {
          id: `chatcmpl-fake-${this.responses + 1}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: request.model,
          choices: [
            { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
          ],
          usage: usage(request.system + request.prompt, content, 'openai'),
        });
      }
      case '/v1/messages': {
        const request = readAnthropicRequest(json);
        if (typeof request === 'string') return send(400, errorBody(api, 400, request));
        const text = this.answer(request);
        return send(200, {
          id: `msg_fake_${this.responses + 1}`,
          type: 'message',
          role: 'assistant',
          model: request.model,
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: usage(request.system + request.prompt, text, 'anthropic'),
        });
      }
      default:
        return send(404, errorBody(api, 404, `no endpoint ${path}`));
    }
  }

  private embeddings(body: Record<string, unknown>): [status: number, payload: unknown] {
    const { model, input, dimensions, encoding_format: format } = body;
    if (typeof model !== 'string' || model === '') return [400, errorBody('openai', 400, 'model is required')];
    const inputs = typeof input === 'string' ? [input] : input;
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((t) => typeof t !== 'string' || t === '')) {
      return [400, errorBody('openai', 400, 'input must be a non-empty string or array of non-empty strings')];
    }
    const max = this.options.maxEmbeddingInputs ?? 2048;
    if (inputs.length > max)
      return [400, errorBody('openai', 400, `input has ${inputs.length} items; the maximum is ${max}`)];
    if (
      dimensions !== undefined &&
      (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)
    ) {
      return [400, errorBody('openai', 400, 'dimensions must be a positive integer')];
    }
    if (format !== undefined && format !== 'float' && format !== 'base64') {
      return [400, errorBody('openai', 400, 'encoding_format must be float or base64')];
    }
    const size =
      this.options.fixedDimensions ?? (dimensions as number | undefined) ?? this.options.defaultDimensions ?? 1536;
    const data = (inputs as string[]).map((text, index) => {
      const vector = fakeEmbeddingVector(text, size);
      return {
        object: 'embedding',
        index,
        embedding: format === 'base64' ? float32Base64(vector) : Array.from(vector),
      };
    });
    const tokens = (inputs as string[]).reduce((sum, t) => sum + Math.ceil(t.length / 4), 0);
    return [200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } }];
  }

  private takeFault(path: string): FakeFault | undefined {
    const index = this.faults.findIndex((f) => f.path === undefined || f.path === path);
    if (index < 0) return undefined;
    const fault = this.faults[index] as FakeFault & { times: number };
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

/** Starts a fake OpenAI/Anthropic server on a free local port. */
export function startFakeProviderServer(options: FakeProviderServerOptions = {}): Promise<FakeProviderServer> {
  return FakeProviderServer.start(options);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

const OPENAI_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_denied',
  404: 'not_found',
  429: 'rate_limit_exceeded',
};
const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

// The error JSON each API really sends, so the SDKs build their usual error objects.
function errorBody(api: Api, status: number, message: string): unknown {
  if (api === 'anthropic')
    return { type: 'error', error: { type: ANTHROPIC_ERROR_TYPES[status] ?? 'api_error', message } };
  return {
    error: {
      message,
      type: OPENAI_ERROR_TYPES[status] ?? 'server_error',
      param: null,
      code: status === 401 ? 'invalid_api_key' : null,
    },
  };
}

function usage(prompt: string, answer: string, api: Api): unknown {
  const input = Math.ceil(prompt.length / 4);
  const output = Math.ceil(answer.length / 4);
  return api === 'anthropic'
    ? { input_tokens: input, output_tokens: output }
    : { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}
