import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from './load-config.js';

function configFile(bytes: Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'astrocyte-config-')), 'astrocyte.yaml');
  writeFileSync(file, bytes);
  return file;
}

describe('the config file as UTF-8', () => {
  it('refuses Latin-1, naming the file and the line, instead of reading U+FFFD into a path', async () => {
    const file = configFile(Buffer.from('storage:\n  backend: sqlite\n  sqlite:\n    path: ./caf\xe9.db\n', 'latin1'));
    await expect(loadConfigFile(file)).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining(`${file}:4: not UTF-8: `),
      details: { file, line: 4 },
    });
  });

  it('reads a file that starts with a byte order mark', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const file = configFile(Buffer.concat([bom, Buffer.from('storage:\n  sqlite:\n    path: ./café.db\n')]));
    expect((await loadConfigFile(file)).config.storage.sqlite?.path).toBe('./café.db');
  });
});
