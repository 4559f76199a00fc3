/**
 * Resolves after `ms` milliseconds, or rejects with the signal's reason as soon as `signal` aborts; leaves no timer
 * and no listener behind. `ref: false` lets the process exit while it waits (for background retries).
 */
export function abortableSleep(ms: number, signal?: AbortSignal, options: { ref?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (options.ref === false) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
