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

async function readAtMost(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read().catch((error: unknown) => {
      // The connection closed before the body ended: the client went away, or its body did not parse and the
      // server answered it so (docs/http-api.md, 400 malformed_request). Either way the client's doing, not a failure.
      throw new HttpRequestError('malformed_request', 'the request body did not arrive whole', { cause: error });
    });
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
