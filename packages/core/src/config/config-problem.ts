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
  const section = problem.path.slice(0, -1);
  // A key the file lacks has no line: its section's, where it goes, does.
  const line =
    problem.unknownKey === undefined
      ? (source.lineOf?.(problem.path) ??
        (section.length > 0 ? source.lineOf?.(section.slice(0, -1), String(section.at(-1))) : undefined))
      : source.lineOf?.(section, problem.unknownKey);
  const prefix = source.file ? `${source.file}${line ? `:${line}` : ''}: ` : 'config: ';
  return new ConfigError(`${prefix}${where}: ${problem.message}`, {
    details: { path: where, ...(line ? { line } : {}) },
  });
}
