import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Gives the event loop a turn whenever a long loop has held it for `budgetMs`, so that one large call (a batch of
 * ten thousand memories) cannot stall a server's other requests and timers.
 */
export class TimeSlicer {
  private since = performance.now();
  /** How many times it has yielded: none for work that fit in one slice. */
  turns = 0;

  constructor(private readonly budgetMs = 20) {}

  /** Yields to the event loop once the budget is spent since the last yield; otherwise returns at once. */
  async tick(): Promise<void> {
    if (performance.now() - this.since < this.budgetMs) return;
    await nextTurn();
    this.turns++;
    this.since = performance.now();
  }
}
