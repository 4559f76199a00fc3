import type { Writable } from 'node:stream';

const WIDTH = 24;
const REDRAW_MS = 100;

/**
 * A one-line progress bar on a terminal stream (stderr, so it never mixes with data on stdout). It draws only
 * when enabled, and at most every 100 ms, so a fast run pays nothing for it.
 */
export class ProgressBar {
  private lastDraw = 0;

  constructor(
    private readonly stream: Writable,
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  /** Reports `count` items done and, when the total is known, the `fraction` of the work done; redraws if due. */
  update(count: number, fraction?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.draw(count, fraction);
  }

  /** Draws the final state and ends the line. */
  finish(count: number): void {
    if (!this.enabled) return;
    this.draw(count, 1);
    this.stream.write('\n');
  }

  private draw(count: number, fraction: number | undefined): void {
    const done = count.toLocaleString('en-US');
    let line = `${this.label} ${done}`;
    if (fraction !== undefined && Number.isFinite(fraction)) {
      const ratio = Math.max(0, Math.min(1, fraction));
      const filled = Math.round(ratio * WIDTH);
      line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}`;
    }
    // Erase what a longer previous line left behind, where the stream is a terminal that understands it.
    const clear = (this.stream as { isTTY?: boolean }).isTTY ? '\u001b[K' : '';
    this.stream.write(`\r${line}${clear}`);
  }
}
