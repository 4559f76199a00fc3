import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The workspace's packages resolve to their TypeScript sources (their `@astrocyte/source` export condition), so
  // tests need no build. No `module` condition: Vitest passes the conditions on to Node for the dependencies it does
  // not transform, and Node would then load builds meant for bundlers (OpenTelemetry's ESM has extensionless imports).
  ssr: { resolve: { conditions: ['@astrocyte/source', 'development|production'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'bench/src/**/*.test.ts',
    ],
    // Vitest runs one file less than the cores; on two cores that is one at a time, while most files wait on disk
    // syncs, child processes and sockets: two at once took the suite from 8 min 14 s to 6 min 17 s here (three, 6 min
    // 58 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
