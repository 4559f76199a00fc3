import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../errors.js';
import { HookBus } from './hook-bus.js';
import type { RecallEvent } from './hook-events.js';

const event: RecallEvent = { at: new Date(), bankIds: ['b'], hits: [], totalAvailable: 0 };

describe('HookBus', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('warns once per failing listener when no onListenerError is given, and keeps calling the others', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const bus = new HookBus();
    const calls: string[] = [];
    bus.on('recall', () => {
      throw new Error('first fails');
    });
    bus.on('recall', () => {
      throw new Error('second fails');
    });
    bus.on('recall', () => void calls.push('third'));
    bus.emit('recall', event);
    bus.emit('recall', event);
    expect(calls).toEqual(['third', 'third']);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/'recall' listener failed; the operation went through/);
    expect(warn.mock.calls.map(([, error]) => (error as Error).message)).toEqual(['first fails', 'second fails']);
  });

  it('hands every failure to onListenerError, and survives that handler throwing', async () => {
    const seen: string[] = [];
    const bus = new HookBus((error, { name }) => {
      seen.push(`${name}: ${(error as Error).message}`);
      throw new Error('the handler fails too');
    });
    bus.on('recall', async () => {
      throw new Error('async failure');
    });
    bus.on('recall', () => {
      throw new Error('sync failure');
    });
    expect(() => bus.emit('recall', event)).not.toThrow();
    bus.emit('recall', event);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.sort()).toEqual([
      'recall: async failure',
      'recall: async failure',
      'recall: sync failure',
      'recall: sync failure',
    ]);
  });

  it('lets a listener remove itself during an event without skipping the next listener', () => {
    const bus = new HookBus();
    const calls: string[] = [];
    const stop = bus.on('recall', () => {
      calls.push('once');
      stop();
    });
    bus.on('recall', () => void calls.push('always'));
    bus.emit('recall', event);
    bus.emit('recall', event);
    expect(calls).toEqual(['once', 'always', 'always']);
    expect(bus.listening('recall')).toBe(true);
  });

  it('adds the same listener once, and stops listening when the last one leaves', () => {
    const bus = new HookBus();
    const calls: number[] = [];
    const listener = () => void calls.push(1);
    bus.on('forget', listener);
    bus.on('forget', listener);
    expect(bus.listening('forget')).toBe(true);
    expect(bus.off('forget', listener)).toBe(true);
    expect(bus.listening('forget')).toBe(false);
    bus.emit('forget', {
      at: new Date(),
      operation: 'forget',
      bankId: 'b',
      memoryIds: [],
      skipped: [],
    });
    expect(calls).toEqual([]);
  });

  it('refuses an unknown event name and a listener that is not a function', () => {
    const bus = new HookBus();
    expect(() => bus.on('stored' as never, () => undefined)).toThrow(ValidationError);
    expect(() => bus.on(1n as never, () => undefined)).toThrow(/event: must be one of .*, got 1n$/);
    expect(() => bus.on('retain', 'log it' as never)).toThrow(/listener: must be a function/);
    expect(() => bus.off('erase' as never, () => undefined)).toThrow(
      /event: must be one of retain, reject, redact, recall, forget/,
    );
  });
});
