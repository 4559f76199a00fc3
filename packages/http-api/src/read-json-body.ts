import { jsonBodyHeadersProblem, readJsonBytes, ValidationError } from '@astrocyte/core';
import { HttpRequestError } from './http-errors.js';

/**
 * Reads a request's JSON body. Another content type, a charset other than UTF-8 and a compressed body are refused
 * (415: read as UTF-8 they would fail with a misleading error, or be stored as other characters where their bytes
 * happen to form UTF-8), and so is a body over `maxBytes` (413), before any of it is parsed: by its Content-Length
 * when it declares one, and by counting the bytes as they arrive, since a chunked body declares none. A key given
 * twice in one object is refused (400), naming it.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const { headers } = request;
  const problem = jsonBodyHeadersProblem(headers.get('content-type'), headers.get('content-encoding'));
  if (problem) throw new HttpRequestError('unsupported_media_type', problem);
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readAtMost(request.body, maxBytes);
  if (bytes.length === 0) throw new ValidationError('body', 'is required: send a JSON object');
  return readJsonBytes(bytes, 'body');
}

/**
 * Refuses a request that carries a body, for a route that takes none: what it says (`{"dry_run": true}` on a DELETE)
 * would be dropped in silence. The body is judged by its bytes where the Request holds them, so an empty one passes;
 * Node's adapter gives a GET or HEAD Request no body whatever follows its headers, so there a Content-Length above 0
 * or a Transfer-Encoding tells. Resolves to the route's body: none.
 */
export async function expectNoBody(request: Request): Promise<undefined> {
  const { headers } = request;
  const carried =
    request.body === null
      ? headers.has('transfer-encoding') || Number(headers.get('content-length') ?? 0) > 0
      : await hasBytes(request.body);
  if (carried) throw new ValidationError('body', 'this route takes none; send the request without a body');
  return undefined;
}

async function hasBytes(body: ReadableStream<Uint8Array>): Promise<boolean> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await readChunk(reader);
    if (done) return false;
    if (value.byteLength > 0) {
      // The rest is never read; the server discards what the client still sends.
      await reader.cancel();
      return true;
    }
  }
}

async function readAtMost(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await readChunk(reader);
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // The rest is never buffered; the server discards what the client still sends.
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): HttpRequestError {
  return new HttpRequestError('request_too_large', `the request body is larger than the limit of ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>) {
  return reader.read().catch((error: unknown) => {
    // The connection closed before the body ended: the client went away, or its body did not parse and the server
    // answered it so (docs/http-api.md, 400 malformed_request). Either way the client's doing, not a failure.
    throw new HttpRequestError('malformed_request', 'the request body did not arrive whole', { cause: error });
  });
}
