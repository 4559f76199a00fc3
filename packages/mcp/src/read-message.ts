import { readJsonBytes, ValidationError } from '@astrocyte/core';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';

/** A JSON-RPC error code and message, for a message refused before the SDK reads it. */
export interface MessageRefusal {
  code: number;
  message: string;
}

/**
 * Reads the bytes of one JSON-RPC message (or batch) as the HTTP API reads a body (readJsonBytes), before the SDK
 * does, which decodes leniently and loses keys in silence; a refusal becomes a JSON-RPC error. `where` names the
 * message in errors: `body`, `message`.
 */
export function readMessage(bytes: Uint8Array, where: string): { value: unknown } | { refused: MessageRefusal } {
  try {
    return { value: readJsonBytes(bytes, where) };
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    // Bytes that are not UTF-8 or not JSON are named by `where`, and do not parse; a lost key is named by its path.
    const code = error.details.field === where ? ErrorCode.ParseError : ErrorCode.InvalidRequest;
    return { refused: { code, message: error.message } };
  }
}

/** The ids of the requests (messages with a method and a string or number id) among a batch's messages. */
export function requestIds(batch: unknown[]): (string | number)[] {
  return batch.flatMap((message) => {
    if (typeof message !== 'object' || message === null || !('method' in message) || !('id' in message)) return [];
    return typeof message.id === 'string' || typeof message.id === 'number' ? [message.id] : [];
  });
}
