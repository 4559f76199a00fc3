import { ConfigError } from '../errors.js';
import type { ZodProblem } from '../zod-problem.js';

/** The line of a key in the config file: of `key` inside the mapping at `path`, or of the value at `path`. */
export type LineOf = (path: PropertyKey[], key?: string) => number | undefined;

/**
 * The ConfigError for a problem in the config: names the file and line when known (`config:` for an object), the
 * dotted key, and the problem (for a typo, with the nearest valid key).
 */
export function configProblem(problem: ZodProblem, source: { file?: string; lineOf?: LineOf }): ConfigError {
  const where = problem.field || '(top level)';
  const line =
    problem.unknownKey === undefined
      ? source.lineOf?.(problem.path)
      : source.lineOf?.(problem.path.slice(0, -1), problem.unknownKey);
  const prefix = source.file ? `${source.file}${line ? `:${line}` : ''}: ` : 'config: ';
  return new ConfigError(`${prefix}${where}: ${problem.message}`, {
    details: { path: where, ...(line ? { line } : {}) },
  });
}
