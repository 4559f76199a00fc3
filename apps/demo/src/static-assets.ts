import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the page needs, served from a fixed list so no request path ever reaches the file system. */
interface Asset {
  file: string;
  type: string;
}

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');
const require = createRequire(import.meta.url);
const JS = 'text/javascript; charset=utf-8';

// The browser loads Preact and htm as the ES modules their packages ship: no bundler, no build step.
function vendorModule(specifier: string, moduleFile: string): string {
  return join(dirname(require.resolve(specifier)), moduleFile);
}

function publicFile(name: string, type: string): Asset {
  return { file: join(PUBLIC_DIR, name), type };
}

/** Every URL path the page loads and the file behind it. */
export function staticAssets(): Map<string, Asset> {
  return new Map<string, Asset>([
    ['/', publicFile('index.html', 'text/html; charset=utf-8')],
    ['/styles.css', publicFile('styles.css', 'text/css; charset=utf-8')],
    ['/app.js', publicFile('app.js', JS)],
    ['/api-client.js', publicFile('api-client.js', JS)],
    ['/chat-panel.js', publicFile('chat-panel.js', JS)],
    ['/memory-panel.js', publicFile('memory-panel.js', JS)],
    ['/tool-call.js', publicFile('tool-call.js', JS)],
    ['/html.js', publicFile('html.js', JS)],
    ['/favicon.svg', publicFile('favicon.svg', 'image/svg+xml')],
    ['/vendor/preact.js', { file: vendorModule('preact', 'preact.module.js'), type: JS }],
    ['/vendor/preact-hooks.js', { file: vendorModule('preact/hooks', 'hooks.module.js'), type: JS }],
    ['/vendor/htm.js', { file: vendorModule('htm', 'htm.module.js'), type: JS }],
  ]);
}

/** Reads one asset; files are small and the demo is local, so nothing is cached in memory. */
export async function readAsset(asset: Asset): Promise<Buffer> {
  return readFile(asset.file);
}
