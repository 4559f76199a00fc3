import { Transform } from 'node:stream';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { type MessageRefusal, readMessage, requestIds } from './read-message.js';

const NEWLINE = Buffer.from('\n');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const BATCH_REFUSED = 'message: is a JSON-RPC batch; over stdio send each message on a line of its own';

// Bytes kept of each end of a line over the limit: JSON writers put a request's id first (after "jsonrpc") or last
// (the TypeScript SDK's client), and the rest is not buffered.
const KEPT = 1024;

// A request id at the start or at the end of a message's text, with only "jsonrpc" and "method" beside it. On valid
// JSON neither can match inside a string: the quote before "id" would close that string and leave `id` bare.
const ID = String.raw`"id"\s*:\s*(-?\d+|"[^"\\]*")(?=\s*[,}])`;
const BESIDE = String.raw`"(?:jsonrpc|method)"\s*:\s*"[^"\\]*"`;
const ID_FIRST = new RegExp(String.raw`^\s*\{(?:\s*${BESIDE}\s*,)*\s*${ID}`);
const ID_LAST = new RegExp(String.raw`,\s*${ID}(?:\s*,\s*${BESIDE})*\s*\}\s*$`);

/**
 * Splits the stdio input into lines ahead of the SDK's stdio transport, which would decode any bytes as UTF-8, lose
 * keys in JSON.parse, and close itself, ending the server, at a message over its buffer. Each line readMessage reads,
 * within `maxBytes`, is passed on as one chunk, so the transport's buffer never holds more than one. Any other line
 * goes no further: a request whose id shows at either end of its line gets a JSON-RPC error with that id (`answer`),
 * as does each request of a batch; the rest are reported to `drop`, which no client hears of. The last line needs no
 * newline: the end of input ends it.
 */
export function stdioMessageScreen(
  maxBytes: number,
  answer: (message: JSONRPCMessage) => void,
  drop: (error: Error) => void,
): Transform {
  let parts: Buffer[] = [];
  let bytes = 0;
  // Set once the line is over the limit: its first and last bytes, all that is kept of it from then on.
  let ends: { head: Buffer; tail: Buffer } | null = null;

  function take(piece: Buffer): void {
    bytes += piece.length;
    if (ends) {
      ends.tail = Buffer.concat([ends.tail, piece]).subarray(-KEPT);
      return;
    }
    parts.push(piece);
    if (bytes <= maxBytes) return;
    const line = Buffer.concat(parts);
    ends = { head: Buffer.from(line.subarray(0, KEPT)), tail: Buffer.from(line.subarray(-KEPT)) };
    parts = [];
  }

  // The line read so far, whole: what to pass on, if anything.
  function endLine(): Buffer | null {
    const line = Buffer.concat(parts);
    const over = ends && { bytes, ...ends };
    parts = [];
    bytes = 0;
    ends = null;
    if (over) {
      const message = `message: is ${over.bytes} bytes; the limit is ${maxBytes}`;
      return refuse(over.head, over.tail, { code: ErrorCode.InvalidRequest, message });
    }
    const read = readMessage(line, 'message');
    if ('refused' in read) return refuse(line.subarray(0, KEPT), line.subarray(-KEPT), read.refused);
    // The SDK's stdio transport reads one message a line and drops a batch without a word: the client would wait.
    if (Array.isArray(read.value)) return refuseBatch(read.value);
    // Read as the HTTP body it would be, a leading byte order mark is no part of the JSON; the SDK's parse fails on it.
    return Buffer.concat([line.subarray(line.subarray(0, 3).equals(BOM) ? 3 : 0), NEWLINE]);
  }

  function refuse(head: Buffer, tail: Buffer, refusal: MessageRefusal): null {
    const found = ID_FIRST.exec(head.toString()) ?? ID_LAST.exec(tail.toString());
    if (found?.[1] === undefined) drop(new Error(refusal.message));
    else answer({ jsonrpc: '2.0', id: JSON.parse(found[1]) as string | number, error: refusal });
    return null;
  }

  function refuseBatch(batch: unknown[]): null {
    const error = { code: ErrorCode.InvalidRequest, message: BATCH_REFUSED };
    const ids = requestIds(batch);
    if (ids.length === 0) drop(new Error(BATCH_REFUSED));
    for (const id of ids) answer({ jsonrpc: '2.0', id, error });
    return null;
  }

  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        take(chunk.subarray(start, end));
        const line = endLine();
        if (line) this.push(line);
        start = end + 1;
      }
      take(chunk.subarray(start));
      callback();
    },
    // Input may end without a newline after its last message: that message is read as any other line.
    flush(callback) {
      if (bytes > 0) callback(null, endLine());
      else callback();
    },
  });
}
