import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';

/**
 * Imports an optional provider SDK (`openai`, `@anthropic-ai/sdk`). They are optional peer dependencies, so a
 * missing one is a ConfigError naming the install command rather than a module resolution stack trace. The
 * application's own node_modules is tried second because strict layouts (pnpm) may not link a peer into core.
 */
export async function importProviderSdk<T>(name: string, provider: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (!isModuleNotFound(error, name)) throw error;
  }
  try {
    const fromApp = createRequire(join(process.cwd(), 'package.json')).resolve(name);
    return (await import(pathToFileURL(fromApp).href)) as T;
  } catch (error) {
    throw new ConfigError(`the ${provider} provider needs the ${name} package. Install it with: pnpm add ${name}`, {
      code: 'provider_not_installed',
      cause: error,
      details: { package: name, provider },
    });
  }
}

function isModuleNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name)
  );
}
