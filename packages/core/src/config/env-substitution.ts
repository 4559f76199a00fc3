import { ConfigError } from '../errors.js';

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed config with the environment's value.
 * A variable that is unset and has no default is an error naming it and the key, never a silent empty string:
 * an empty api_key or database URL fails later in a far more confusing way.
 */
export function substituteEnv(
  value: unknown,
  lineOf?: (path: PropertyKey[]) => number | undefined,
  file = 'config',
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, name: string, fallback: string | undefined) => {
      const env = process.env[name];
      if (env !== undefined && env !== '') return env;
      if (fallback !== undefined) return fallback;
      const line = lineOf?.(path);
      throw new ConfigError(
        `${file}${line ? `:${line}` : ''}: ${path.join('.')}: environment variable ${name} is ${env === '' ? 'empty' : 'not set'}`,
        {
          details: { variable: name, path: path.join('.') },
        },
      );
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, lineOf, file, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnv(item, lineOf, file, [...path, key])]),
    );
  }
  return value;
}
