import { describe, expect, it } from 'vitest';
import { fractionFlag, readFlags, stringList, userPath } from './args.js';

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

  it('reads a fraction from 0 to 1, and nothing when the flag is absent', () => {
    expect(fractionFlag('0.35', 'vector-weight')).toBe(0.35);
    expect(fractionFlag('1', 'vector-weight')).toBe(1);
    expect(fractionFlag(undefined, 'vector-weight')).toBeUndefined();
    for (const bad of ['', '1.5', '-0.1', 'half', 'NaN']) {
      expect(() => fractionFlag(bad, 'vector-weight')).toThrow(/--vector-weight: .* is not a number from 0 to 1/);
    }
  });
});
