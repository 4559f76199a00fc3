#!/usr/bin/env node
// Runs the built command when dist/ exists (a published install), else the TypeScript source through tsx
// (a checkout of the repository, where tests and `pnpm astrocyte` run without a build step).
import { existsSync } from 'node:fs';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
