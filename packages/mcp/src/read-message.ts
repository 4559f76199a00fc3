import { lostKeyError } from '@astrocyte/core';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';

/** A JSON-RPC error code and message, for a message refused before the SDK reads it. */
export interface MessageRefusal {
  code: number;
  message: string;
}

/**
 * Reads the bytes of one JSON-RPC message (or batch) as the HTTP API reads a body, before the SDK does: bytes that
 * are not UTF-8 are refused (the SDK decodes leniently and would store U+FFFD in their place), and so is a key
 * JSON.parse would lose without a word, given twice in one object or `__proto__`, named by its path. `where` names
 * the message in errors: `body`, `message`.
 */
export function readMessage(bytes: Uint8Array, where: string): { value: unknown } | { refused: MessageRefusal } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { refused: { code: ErrorCode.ParseError, message: `${where}: is not valid UTF-8` } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      refused: { code: ErrorCode.ParseError, message: `${where}: is not valid JSON (${(error as Error).message})` },
    };
  }
  // Only on valid JSON: the scan assumes its strings are closed.
  const lost = lostKeyError(text, `in the ${where}`);
  if (lost) return { refused: { code: ErrorCode.InvalidRequest, message: lost.message } };
  return { value };
}
