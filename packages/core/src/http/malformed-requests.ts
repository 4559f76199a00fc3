import { type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** What Node's HTTP parser refused: its error code and, for a parse error, its reason. */
type ParserError = NodeJS.ErrnoException & { reason?: string };

/**
 * Answers what Node's HTTP parser refuses before there is a request to route (a garbled request line or header,
 * headers over Node's 16 KB limit, a chunked body that does not parse, the bytes after a body longer than its
 * Content-Length) with the server's own JSON error, `errorBody(status, message)`, where Node sends an empty body.
 * The status is Node's: 431 for headers too large, 413 for chunk extensions too large, 408 for a request that did not
 * arrive in time, 400 for the rest. The connection is closed after it, as Node closes it.
 */
export function answerMalformedRequests(server: Server, errorBody: (status: number, message: string) => unknown): void {
  server.on('clientError', (error: ParserError, socket: Duplex) => {
    const answer = () => {
      if (!socket.writable || error.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const [status, message] = describe(error);
      const body = JSON.stringify(errorBody(status, message));
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        () => socket.destroy(),
      );
    };
    // The response to an earlier request on this connection (whose body was longer than its Content-Length, say)
    // goes out first, whole: Node answered over it and closed the connection under it. But when the bytes that do
    // not parse are the body that request is still reading (a chunk size that is not hex), its response waits for
    // a body that will never end: the answer goes out at once, and the request reads as aborted.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (inFlight && !inFlight.writableFinished && inFlight.req.complete) inFlight.once('close', answer);
    else answer();
  });
}

function describe(error: ParserError): [number, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, "the request's headers are larger than the server accepts"];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, "the chunked body's extensions are larger than the server accepts"];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'the request did not arrive in full within the time the server allows'];
    case 'HPE_INVALID_EOF_STATE':
      return [
        400,
        `the connection ended before the request did (${reason(error)}): a body shorter than its Content-Length`,
      ];
    case 'HPE_INVALID_METHOD':
    case 'HPE_INVALID_CONSTANT':
      // After a complete request, this is most often the rest of its body.
      return [
        400,
        `not a valid HTTP/1.1 request (${reason(error)}); a body longer than its Content-Length is read as the start of a next request`,
      ];
    default:
      return [400, `not a valid HTTP/1.1 request (${reason(error)})`];
  }
}

function reason(error: ParserError): string {
  return error.reason ?? error.message;
}
