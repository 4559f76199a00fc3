import { once } from 'node:events';

/** Resolves on the first SIGINT or SIGTERM, so that a serving command closes its brain cleanly on Ctrl-C. */
export async function terminationSignal(): Promise<void> {
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
}
