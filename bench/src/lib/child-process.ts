import { fork } from 'node:child_process';

/**
 * Runs a TypeScript module in a child Node process (inheriting tsx's loader flags) with one JSON argument, and
 * resolves with the `{ ok, result }` message it sends back; the child's output goes to this terminal.
 */
export function runInChild<T>(modulePath: string, argument: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(modulePath, [JSON.stringify(argument)], { execArgv: process.execArgv, stdio: 'inherit' });
    let settled = false;
    child.on('message', (message: { ok: boolean; result?: T; error?: string }) => {
      settled = true;
      if (message.ok) resolve(message.result as T);
      else reject(new Error(message.error));
    });
    child.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`${modulePath} exited with ${signal ?? `code ${code}`} before reporting`));
      settled = true;
    });
  });
}
