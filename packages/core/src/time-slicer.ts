import { setImmediate as nextTurn } from 'node:timers/promises';

// When the event loop's current turn started running sliced work, shared by every slicer: one call runs several
// sliced loops in a row (validation, governance, embedding, the insert), and a budget per loop let them add up to
// hundreds of milliseconds without a yield. Cleared by a timer, which runs once the loop has come round to its timers
// phase: work that yields in the timers or poll phase resumes in the check phase of the same round, and an immediate
// clearing the clock there let two slices run back to back with no timer between (blocks of 45 ms measured with a
// 20 ms budget).
let turnStart: number | null = null;

function currentTurnStart(): number {
  if (turnStart === null) {
    turnStart = performance.now();
    setTimeout(() => {
      turnStart = null;
    }, 0).unref();
  }
  return turnStart;
}

/**
 * Gives the event loop a turn whenever sliced work has held it for `budgetMs`, counted across every slicer running in
 * the same turn, so that one large call (a batch of ten thousand memories) cannot stall a server's other requests and
 * timers.
 */
export class TimeSlicer {
  /** How many times it has yielded: none for work that fit in one slice. */
  turns = 0;

  constructor(private readonly budgetMs = 20) {
    // The turn's clock starts no later than the first slicer of the turn.
    currentTurnStart();
  }

  /** Yields to the event loop once the turn has run for the budget; otherwise returns at once. */
  async tick(): Promise<void> {
    const start = currentTurnStart();
    if (performance.now() - start < this.budgetMs) return;
    // Two hops: work that yields in the timers or poll phase resumes from the first in the check phase of the same
    // round of the loop, before any timer; the second comes after the next round's timers and I/O. Not a wait for the
    // clearing timer, which under an application's fake timers never fires: the clock is then cleared here.
    await nextTurn();
    await nextTurn();
    this.turns++;
    if (turnStart === start) turnStart = null;
    // The next turn's clock starts now, with the work that follows (or goes on with another slicer's, begun since).
    currentTurnStart();
  }
}
