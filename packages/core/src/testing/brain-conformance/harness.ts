import { afterEach, expect } from 'vitest';
import { Astrocyte, type AstrocyteOptions } from '../../astrocyte.js';
import { LocalEmbedder } from '../../embedders/local-embedder.js';
import { type AstrocyteError, ValidationError } from '../../errors.js';
import type { StoreFactory } from '../store-factory.js';

/** Builds brains over fresh stores of the backend under test and closes them after each test. */
export function brainHarness(
  factory: StoreFactory,
): (options?: Omit<Partial<AstrocyteOptions>, 'store'>) => Promise<Astrocyte> {
  const open: Astrocyte[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((brain) => brain.close()));
  });
  return async (options = {}) => {
    const brain = await Astrocyte.create({ embedder: new LocalEmbedder(), ...options, store: await factory.create() });
    open.push(brain);
    return brain;
  };
}

/** A clock a test moves by hand, for expiry, recency and minimum-age checks without waiting. */
export function manualClock(start = new Date('2026-06-01T12:00:00Z')): {
  now: () => Date;
  advance: (ms: number) => void;
} {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
  };
}

/** Runs each call and expects a ValidationError naming the field. */
export async function expectFieldErrors(cases: [() => Promise<unknown>, string][]): Promise<void> {
  for (const [call, field] of cases) {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ValidationError.isInstance(error), `expected a ValidationError for ${field}, got ${error}`).toBe(true);
    expect((error as AstrocyteError).details.field).toBe(field);
  }
}
