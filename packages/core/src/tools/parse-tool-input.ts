import { duplicateKeyError } from '../duplicate-keys.js';
import { ValidationError } from '../errors.js';

/**
 * A tool call's input as an object; some clients send the arguments as a JSON string. Throws ValidationError
 * (field `input`) for invalid JSON or anything but an object, and (naming the key) for a key given twice in the string.
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
  // JSON.parse keeps the last of a key given twice: which of the two the model meant is unknown.
  const twice = duplicateKeyError(text, 'in the input');
  if (twice) throw twice;
  return value;
}
