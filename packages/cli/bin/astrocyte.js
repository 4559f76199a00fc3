#!/usr/bin/env node
// Runs the built command (dist/, a published install or a built checkout), or the TypeScript source through tsx: in
// a checkout without a build, or when asked with `node --conditions=@astrocyte/source` (as the workspace's tests do).
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';

const SOURCE_CONDITION = '@astrocyte/source';
const built = new URL('../dist/main.js', import.meta.url);
const askedForSource = process.execArgv.includes(`--conditions=${SOURCE_CONDITION}`);

if (existsSync(built) && !askedForSource) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  // As `--conditions=@astrocyte/source` would: the workspace's packages resolve to their sources, not to dist/.
  const hook = `export const resolve = (specifier, context, next) =>
    next(specifier, { ...context, conditions: [...context.conditions, '${SOURCE_CONDITION}'] });`;
  registerHooks(`data:text/javascript,${encodeURIComponent(hook)}`);
  await import(new URL('../src/main.ts', import.meta.url).href);
}
