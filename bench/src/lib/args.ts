import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** One flag's value: a `string` flag's text, `true` for a bare `boolean` flag, every value of a `list` flag. */
export type FlagValue = string | boolean | string[] | undefined;

/** Command-line flags: `--name value` or `--name=value`; a bare `--name` is `true`; a `list` flag gathers repeats. */
export type Flags = Record<string, FlagValue>;

/** Parses the flags of a benchmark script; unknown flags are an error that lists the known ones. */
export function readFlags(known: Record<string, 'string' | 'boolean' | 'list'>, argv = process.argv.slice(2)): Flags {
  // pnpm forwards the `--` separator itself when a script is run as `pnpm run x -- --flag`.
  const args = argv.filter((arg) => arg !== '--');
  try {
    const { values } = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(known).map(([name, type]) => [
          name,
          type === 'list' ? { type: 'string', multiple: true } : { type },
        ]),
      ),
      strict: true,
      allowPositionals: false,
    });
    return values as Flags;
  } catch (error) {
    const names = Object.keys(known)
      .map((n) => `--${n}`)
      .join(', ');
    throw new Error(`${(error as Error).message}\nKnown flags: ${names}`);
  }
}

/** The values of a flag given once or repeated, each comma-separated: `--file a.json,b.json --file c.json`. */
export function stringList(value: FlagValue): string[] {
  const given = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return given
    .flatMap((part) => part.split(','))
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * A path given on the command line, made absolute. pnpm runs a script in its package's directory (bench/) and keeps
 * the directory the user typed the command in as INIT_CWD: a relative path means a path from there.
 */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(env.INIT_CWD ?? cwd, path);
}

/** A comma-separated list of positive integers (`1000,10000`), accepting `k` suffixes (`1k,10k,100k`). */
export function intList(value: FlagValue, fallback: number[], flag: string): number[] {
  if (typeof value !== 'string') return fallback;
  return value.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(k?)\s*$/i.exec(part);
    const n = match ? Number(match[1]) * (match[2] ? 1000 : 1) : Number.NaN;
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag}: "${part}" is not a positive integer`);
    return n;
  });
}

/** A positive integer flag, or the fallback. */
export function intFlag(value: FlagValue, fallback: number, flag: string): number {
  if (typeof value !== 'string') return fallback;
  const [n] = intList(value, [fallback], flag);
  return n as number;
}

/** A number from 0 to 1, or undefined when the flag is absent. */
export function fractionFlag(value: FlagValue, flag: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`--${flag}: "${value}" is not a number from 0 to 1`);
  return n;
}

/** A comma-separated list drawn from `allowed`. */
export function choiceList<T extends string>(
  value: FlagValue,
  allowed: readonly T[],
  fallback: T[],
  flag: string,
): T[] {
  if (typeof value !== 'string') return fallback;
  return value.split(',').map((part) => {
    const choice = part.trim() as T;
    if (!allowed.includes(choice)) throw new Error(`--${flag}: "${part}" is not one of ${allowed.join(', ')}`);
    return choice;
  });
}

/** The Postgres URL the benchmarks use: $ASTROCYTE_BENCH_POSTGRES_URL, else $DATABASE_URL, else the local test server. */
export function postgresUrl(flags: Flags): string {
  const given = flags.postgres;
  if (typeof given === 'string') return given;
  return (
    process.env.ASTROCYTE_BENCH_POSTGRES_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  );
}
