import { z } from 'zod';
import type { BackendModule } from '../backend-module.js';
import { InMemoryStore } from './in-memory-store.js';

const configSchema = z.strictObject({});

/** `storage.backend: memory`: a store in this process's memory, for tests and throwaway sessions; it takes no options. */
export const inMemoryBackend: BackendModule<z.output<typeof configSchema>> = {
  name: 'memory',
  configSchema,
  async open() {
    return new InMemoryStore();
  },
};
