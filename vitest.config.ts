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
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
