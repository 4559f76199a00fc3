import type { Writable } from 'node:stream';

const WIDTH = 24;
const REDRAW_MS = 100;

/**
 * A one-line progress bar on a terminal stream (stderr, so it never mixes with data on stdout). It draws only
 * when enabled, and at most every 100 ms, so a fast run pays nothing for it.
 */
export class ProgressBar {
  private lastDraw = 0;
  // The first fraction reported and when: the rate since then gives the ETA (a resumed run starts part way).
  private start: { fraction: number; at: number } | undefined;

  /** With `eta`, a bar whose work has a known total also shows the time left at the rate so far. */
  constructor(
    private readonly stream: Writable,
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly options: { eta?: boolean } = {},
  ) {}

  /** Reports `count` items done and, when the total is known, the `fraction` of the work done; redraws if due. */
  update(count: number, fraction?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (fraction !== undefined && this.start === undefined) this.start = { fraction, at: now };
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
      const left = ratio < 1 ? this.secondsLeft(ratio) : undefined;
      if (left !== undefined) line += ` ETA ${duration(left)}`;
    }
    // Erase what a longer previous line left behind, where the stream is a terminal that understands it.
    const clear = (this.stream as { isTTY?: boolean }).isTTY ? '\u001b[K' : '';
    this.stream.write(`\r${line}${clear}`);
  }

  // Seconds until done at the rate since the first report; unknown until a second has passed and work was done.
  private secondsLeft(ratio: number): number | undefined {
    if (!this.options.eta || !this.start) return undefined;
    const elapsed = (Date.now() - this.start.at) / 1000;
    const done = ratio - this.start.fraction;
    if (elapsed < 1 || done <= 0) return undefined;
    return ((1 - ratio) * elapsed) / done;
  }
}

/** `1h 02m`, `3m 05s` or `12s`. */
function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${s}s`;
}
