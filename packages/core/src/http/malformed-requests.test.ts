import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { rawHttpExchange } from '../testing/raw-http.js';
import { listenOn } from './listen-on.js';
import { answerMalformedRequests } from './malformed-requests.js';

describe('answerMalformedRequests', () => {
  let server: Server;
  let close: () => Promise<void>;
  afterEach(() => close());

  // A server that answers, a little later, with the body it read.
  async function start(): Promise<string> {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => setTimeout(() => res.end(JSON.stringify({ read: body })), 20));
    });
    answerMalformedRequests(server, (status, message) => ({ status, message }));
    const listening = await listenOn(server, 0, '127.0.0.1');
    close = listening.close;
    return listening.origin;
  }

  it('answers the bytes after a body longer than its Content-Length with JSON, after the answer to the request', async () => {
    const origin = await start();
    const responses = await rawHttpExchange(
      origin,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello, world\r\n\r\n',
    );
    expect(responses.map((r) => r.status)).toEqual([200, 400]);
    expect(JSON.parse(responses[0]?.body ?? '')).toEqual({ read: 'hello' });
    expect(responses[1]?.headers).toMatchObject({ 'content-type': 'application/json', connection: 'close' });
    expect(JSON.parse(responses[1]?.body ?? '')).toEqual({
      status: 400,
      message:
        'not a valid HTTP/1.1 request (Invalid method encountered); a body longer than its Content-Length is read as the start of a next request',
    });
  });

  it('answers a body shorter than its Content-Length, once the client stops sending, as what it is', async () => {
    const origin = await start();
    const responses = await rawHttpExchange(origin, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhello', {
      endAfterSending: true,
    });
    expect(responses.map((r) => [r.status, JSON.parse(r.body).message])).toEqual([
      [
        400,
        expect.stringMatching(
          /^the connection ended before the request did \(.*\): a body shorter than its Content-Length$/,
        ),
      ],
    ]);
  });

  it('answers a chunked body that does not parse at once, while its own request still waits for that body', async () => {
    const origin = await start();
    const responses = await rawHttpExchange(
      origin,
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{"query":"tea"}\r\n0\r\n\r\n',
    );
    expect(responses.map((r) => [r.status, JSON.parse(r.body).message])).toEqual([
      [400, expect.stringMatching(/^not a valid HTTP\/1\.1 request \(Invalid character in chunk size\)/)],
    ]);
  });

  it('answers a garbled request with 400 and headers over the limit with 431, both JSON', async () => {
    const origin = await start();
    const garbled = await rawHttpExchange(origin, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n');
    expect(garbled.map((r) => [r.status, JSON.parse(r.body).message])).toEqual([
      [400, expect.stringMatching(/^not a valid HTTP\/1\.1 request \(Invalid header token\)/)],
    ]);
    const huge = await rawHttpExchange(origin, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge.map((r) => [r.status, JSON.parse(r.body)])).toEqual([
      [431, { status: 431, message: "the request's headers are larger than the server accepts" }],
    ]);
  });
});
