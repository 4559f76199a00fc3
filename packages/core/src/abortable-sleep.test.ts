import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortableSleep } from './abortable-sleep.js';

// An hour: a sleep that did not end at the abort would fail the test by its timeout.
const HOUR = 3_600_000;

describe('abortableSleep', () => {
  it('resolves after the wait and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    await expect(abortableSleep(1, controller.signal)).resolves.toBeUndefined();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped by the caller');
    const sleeping = abortableSleep(HOUR, controller.signal);
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once for a signal that already aborted, with its default AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(abortableSleep(HOUR, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    await expect(abortableSleep(HOUR, controller.signal, { ref: false })).rejects.toBe(controller.signal.reason);
  });

  it('sleeps without a signal', async () => {
    await expect(abortableSleep(1)).resolves.toBeUndefined();
    await expect(abortableSleep(1, undefined, { ref: false })).resolves.toBeUndefined();
  });
});
