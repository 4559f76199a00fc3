import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.js';

describe('error codes', () => {
  it('docs/errors.md lists exactly the registered codes, each with its meaning', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = Object.fromEntries(
      [...doc.matchAll(/^\| `([a-z_]+)` \| (.+) \|$/gm)].map(([, code, meaning]) => [code, meaning]),
    );
    expect(documented).toEqual(ERROR_CODES);
  });
});
