import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The workspace's packages resolve to their TypeScript sources (their `@astrocyte/source` export condition), so
  // tests need no build; the other conditions are Vite's defaults for server code.
  ssr: { resolve: { conditions: ['@astrocyte/source', 'module', 'development|production'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'bench/src/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
