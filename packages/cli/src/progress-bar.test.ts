import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressBar } from './progress-bar.js';

afterEach(() => {
  vi.useRealTimers();
});

function bar(options: { eta?: boolean }): { bar: ProgressBar; output: () => string } {
  const stream = new PassThrough();
  let written = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    written += chunk;
  });
  return { bar: new ProgressBar(stream, 'working', true, options), output: () => written };
}

describe('ProgressBar', () => {
  it('shows the time left at the rate since its first report, from where a resumed run started', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bar: progress, output } = bar({ eta: true });
    progress.update(500, 0.5);
    vi.advanceTimersByTime(10_000);
    progress.update(750, 0.75);
    vi.advanceTimersByTime(1_990_000);
    progress.update(800, 0.8);
    progress.finish(1000);
    const lines = output().split('\r').filter(Boolean);
    expect(lines).toEqual([
      'working [############------------]  50% 500',
      'working [##################------]  75% 750 ETA 10s',
      'working [###################-----]  80% 800 ETA 22m 14s',
      'working [########################] 100% 1,000\n',
    ]);
  });

  it('shows no time left unless asked', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { bar: progress, output } = bar({});
    progress.update(1, 0.1);
    vi.advanceTimersByTime(5000);
    progress.update(2, 0.2);
    expect(output()).not.toContain('ETA');
  });
});
