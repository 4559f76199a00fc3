import { ValidationError } from '../errors.js';
import { lostKeyError } from '../lost-keys.js';

/**
 * A tool call's input as an object; some clients send the arguments as a JSON string. Throws ValidationError
 * (field `input`) for invalid JSON or anything but an object, and (naming the key) for a key given twice in the string or a `__proto__` key.
 */
export function parseToolInput(input: unknown): Record<string, unknown> {
  const value = typeof input === 'string' ? parseJson(input) : input;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('input', "must be a JSON object with the tool's fields");
  }
  return value as Record<string, unknown>;
}

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('input', 'is a string that is not valid JSON');
  }
  // JSON.parse keeps the last of a key given twice (which of the two the model meant is unknown), and an object
  // copied key by key drops a `__proto__` key.
  const lost = lostKeyError(text, 'in the input');
  if (lost) throw lost;
  return value;
}
