import { ConfigError } from '../errors.js';

/** The ConfigError `call` throws; fails the test when it throws nothing or another error. */
export function configFailure(call: () => unknown): ConfigError {
  try {
    call();
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
