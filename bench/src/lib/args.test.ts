import { describe, expect, it } from 'vitest';
import { readFlags, stringList, userPath } from './args.js';

describe('benchmark flags', () => {
  it('gathers a list flag given several times, each comma-separated', () => {
    const flags = readFlags({ file: 'list', seed: 'string' }, [
      '--file',
      'a.json,b.json',
      '--',
      '--file=c.json',
      '--seed',
      '7',
    ]);
    expect(stringList(flags.file)).toEqual(['a.json', 'b.json', 'c.json']);
    expect(flags.seed).toBe('7');
    expect(stringList(readFlags({ file: 'list' }, []).file)).toEqual([]);
  });

  it('refuses an unknown flag, listing the known ones', () => {
    expect(() => readFlags({ file: 'list' }, ['--files', 'a.json'])).toThrow(/Known flags: --file/);
  });

  it('reads a relative path from the directory the command was typed in, not the benchmark package', () => {
    expect(userPath('../shared/x.json', { INIT_CWD: '/work/main' }, '/work/main/bench')).toBe('/work/shared/x.json');
    expect(userPath('x.json', {}, '/work/main/bench')).toBe('/work/main/bench/x.json');
    expect(userPath('/data/x.json', { INIT_CWD: '/work/main' }, '/work/main/bench')).toBe('/data/x.json');
  });
});
