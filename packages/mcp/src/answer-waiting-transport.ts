import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * A server's transport that knows which requests it has read and not yet answered, so that the end of input can wait
 * for them: closing the server at once would drop the calls still running, and the caller would then close the brain
 * under them. `answered()` resolves once every request read so far has its answer written (or was cancelled by the
 * client, which the SDK then leaves unanswered).
 */
export class AnswerWaitingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  // How many requests of each id await their answer: a client should not reuse an id in flight, but may.
  private readonly unanswered = new Map<RequestId, number>();
  // Answers handed to the inner transport and not yet written.
  private readonly writing = new Set<Promise<void>>();
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly inner: Transport) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message, extra) => {
      this.note(message);
      this.onmessage?.(message, extra);
    };
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined) {
      this.settle(message.id);
    }
    const written = this.inner.send(message, options);
    this.writing.add(written);
    try {
      await written;
    } finally {
      this.writing.delete(written);
      this.wakeIfAnswered();
    }
  }

  /** Resolves once every request read so far has been answered and its answer written. */
  answered(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.wakeIfAnswered();
    });
  }

  private note(message: JSONRPCMessage): void {
    if (isJSONRPCRequest(message)) this.unanswered.set(message.id, (this.unanswered.get(message.id) ?? 0) + 1);
    else if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
      const id = message.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.settle(id);
      this.wakeIfAnswered();
    }
  }

  private settle(id: RequestId): void {
    const count = this.unanswered.get(id);
    if (count === undefined) return;
    if (count > 1) this.unanswered.set(id, count - 1);
    else this.unanswered.delete(id);
  }

  private wakeIfAnswered(): void {
    if (this.unanswered.size > 0 || this.writing.size > 0) return;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
