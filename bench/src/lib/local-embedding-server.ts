import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalEmbedder } from '@astrocyte/core';

/** Vectors for texts, in order: what the server answers with. */
export type EmbedTexts = (texts: string[]) => Promise<Float32Array[]>;

/**
 * A local OpenAI-compatible server whose POST /v1/embeddings answers with the vectors of a function given to it
 * (Astrocyte's LocalEmbedder by default), so that the official `openai` client reaches a model over HTTP where no
 * hosted one can be reached, and a peer library and Astrocyte search the very same vectors. Chat completions are
 * refused (HTTP 500) and counted: the peer runs with inference off and must never call its LLM.
 */
export class LocalEmbeddingServer {
  /** Embedding requests and texts served. */
  embeddingRequests = 0;
  embeddedTexts = 0;
  /** Requests to any endpoint other than embeddings: each one is a bug in the benchmark setup. */
  unexpectedRequests: string[] = [];
  private constructor(
    private readonly server: Server,
    /** The base URL to give an OpenAI client, ending in /v1. */
    readonly baseURL: string,
    private readonly embedTexts: EmbedTexts,
  ) {}

  /** Starts the server on 127.0.0.1 at a free port, answering with `embed`'s vectors. */
  static async start(embed: EmbedTexts = localVectors(384)): Promise<LocalEmbeddingServer> {
    let instance: LocalEmbeddingServer | undefined;
    const server = createServer((req, res) => {
      (instance as LocalEmbeddingServer).handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
      });
    });
    // Keep-alive as a hosted endpoint would; the clients reuse connections.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new LocalEmbeddingServer(server, `http://127.0.0.1:${port}/v1`, embed);
    return instance;
  }

  /** Stops accepting requests and closes idle connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== '/v1/embeddings') {
      this.unexpectedRequests.push(`${req.method} ${path}`);
      return send(res, 500, {
        error: { message: `this benchmark server only embeds; got ${req.method} ${path}`, type: 'server_error' },
      });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      input?: unknown;
      model?: string;
      encoding_format?: string;
    };
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(inputs) || inputs.some((i) => typeof i !== 'string')) {
      return send(res, 400, {
        error: { message: 'input must be a string or an array of strings', type: 'invalid_request_error' },
      });
    }
    this.embeddingRequests++;
    this.embeddedTexts += inputs.length;
    const base64 = body.encoding_format === 'base64';
    const vectors = await this.embedTexts(inputs as string[]);
    const data = vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64
        ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
        : Array.from(vector),
    }));
    send(res, 200, {
      object: 'list',
      data,
      model: body.model ?? 'local-hash-v1',
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  }
}

/** Astrocyte's LocalEmbedder vectors of the given dimension. */
function localVectors(dimensions: number): EmbedTexts {
  const embedder = new LocalEmbedder({ dimensions });
  return async (texts) => texts.map((text) => embedder.embedOne(text));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
