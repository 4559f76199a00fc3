import { connect } from 'node:net';

/** A response read off a raw connection. */
export interface RawHttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `data` as it is to the server of `url` (requests Node's own client refuses to send: garbled, pipelined,
 * bodies longer than their Content-Length) and reads the responses until the server closes the connection.
 */
export function rawHttpExchange(
  url: string,
  data: string,
  options: { endAfterSending?: boolean } = {},
): Promise<RawHttpResponse[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Ending the sending side says that no more of the request will come, as a client cut short does.
    const socket = connect(Number(port), hostname, () =>
      options.endAfterSending ? socket.end(data) : socket.write(data),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(responsesIn(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

// Responses one after another, each with a Content-Length (what these servers send for every error).
function responsesIn(bytes: Buffer): RawHttpResponse[] {
  const responses: RawHttpResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end < 0) throw new Error(`not an HTTP response: ${JSON.stringify(bytes.subarray(at, at + 80).toString())}`);
    const [statusLine = '', ...lines] = bytes.subarray(at, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
      }),
    );
    const length = Number(headers['content-length'] ?? Number.NaN);
    if (!Number.isInteger(length)) throw new Error(`a response without Content-Length: ${statusLine}`);
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: bytes.subarray(end + 4, end + 4 + length).toString('utf8'),
    });
    at = end + 4 + length;
  }
  return responses;
}
