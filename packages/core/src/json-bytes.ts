import { ValidationError } from './errors.js';
import { lostKeyError } from './lost-keys.js';

/**
 * The JSON value of raw bytes a client sent (`where` names them in errors: `body`, `message`), as every raw-JSON
 * surface reads them: bytes that are not UTF-8 are refused (a lenient decoder would store U+FFFD in their place), and
 * so is a key JSON.parse would lose without a word (given twice in one object, or `__proto__`), named by its path.
 * Throws a ValidationError whose field is `where` for bytes that are not UTF-8 or not JSON, and the key's path for a
 * lost key.
 */
export function readJsonBytes(bytes: Uint8Array, where: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError(where, 'is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(where, `is not valid JSON (${(error as Error).message})`);
  }
  // Only on valid JSON: the scan assumes its strings are closed.
  const lost = lostKeyError(text, `in the ${where}`);
  if (lost) throw lost;
  return value;
}
