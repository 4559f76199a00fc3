/**
 * Work cut into steps: a generator that yields between them and returns its result. Loading a bank's index or
 * building its LSH tables reads or sorts every row (0.7 and 0.2 s at 100,000 memories): inside a transaction that
 * can give the event loop turns they run sliced, and anywhere else at once.
 */
export type Steps<T> = Generator<void, T, void>;

/** Rows or slots handled between two steps: a few milliseconds of work. */
export const ROWS_PER_STEP = 1024;

/** Runs every step at once. */
export function runAtOnce<T>(steps: Steps<T>): T {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Runs the steps, calling `tick` (which gives the event loop a turn once the current one has run long) between them. */
export async function runSliced<T>(steps: Steps<T>, tick: () => Promise<void>): Promise<T> {
  try {
    let step = steps.next();
    while (!step.done) {
      await tick();
      step = steps.next();
    }
    return step.value;
  } finally {
    // A run cut short closes the generator, and with it any statement it was reading.
    steps.return(undefined as T);
  }
}
