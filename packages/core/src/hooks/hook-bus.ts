import { ValidationError } from '../errors.js';
import { describeValue } from '../validation.js';
import type { HookEventName, HookEvents, HookListener, ListenerErrorHandler } from './hook-events.js';

const EVENT_NAMES: readonly HookEventName[] = ['retain', 'reject', 'redact', 'recall', 'forget'];

type AnyListener = (event: never) => unknown;

/**
 * The listeners of a brain's events. Listeners run in the order they were added, synchronously, after the operation
 * committed and before its promise resolves. A listener that throws, or whose promise rejects, never fails the
 * operation: its error goes to `onListenerError` when given, and otherwise to console.warn once per listener.
 */
export class HookBus {
  private readonly listeners = new Map<HookEventName, Set<AnyListener>>();
  private readonly warned = new WeakSet<AnyListener>();

  constructor(private readonly onListenerError?: ListenerErrorHandler) {}

  /** Adds a listener; returns the function that removes it. Adding the same listener twice adds it once. */
  on<E extends HookEventName>(name: E, listener: HookListener<E>): () => void {
    checkName(name);
    if (typeof listener !== 'function') throw new ValidationError('listener', 'must be a function');
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as AnyListener);
    return () => this.off(name, listener);
  }

  /** Removes a listener; true when it was listening. */
  off<E extends HookEventName>(name: E, listener: HookListener<E>): boolean {
    checkName(name);
    const set = this.listeners.get(name);
    const removed = set?.delete(listener as AnyListener) ?? false;
    if (set?.size === 0) this.listeners.delete(name);
    return removed;
  }

  /** Whether anything listens to `name`: events are built only then. */
  listening(name: HookEventName): boolean {
    return this.listeners.has(name);
  }

  /** Hands `event` to each listener of `name`. */
  emit<E extends HookEventName>(name: E, event: HookEvents[E]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    // A copy: a listener that unsubscribes itself (or another) must not skip the next one.
    for (const listener of [...set]) {
      try {
        const returned = (listener as HookListener<E>)(event);
        if (returned instanceof Promise) returned.catch((error: unknown) => this.report(error, name, listener));
      } catch (error) {
        this.report(error, name, listener);
      }
    }
  }

  private report(error: unknown, name: HookEventName, listener: AnyListener): void {
    if (this.onListenerError) {
      try {
        this.onListenerError(error, { name });
      } catch {
        // The error handler's own failure has nowhere left to go; the operation must still succeed.
      }
      return;
    }
    if (this.warned.has(listener)) return;
    this.warned.add(listener);
    console.warn(
      `astrocyte: a '${name}' listener failed; the operation went through. Further failures of this listener are not reported; set hooks.onListenerError to see each.`,
      error,
    );
  }
}

function checkName(name: unknown): asserts name is HookEventName {
  if (!EVENT_NAMES.includes(name as HookEventName))
    throw new ValidationError('event', `must be one of ${EVENT_NAMES.join(', ')}, got ${describeValue(name)}`);
}
