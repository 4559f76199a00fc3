import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Astrocyte } from '../astrocyte.js';
import { ConfigError } from '../errors.js';
import { configFailure } from './config-failure.fixture.js';
import { brainFromConfig, loadConfigFile, parseConfigText } from './load-config.js';

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'astrocyte-config-'));
  const file = join(dir, 'astrocyte.yaml');
  writeFileSync(file, text);
  return file;
}

describe('config', () => {
  afterEach(() => {
    delete process.env.ASTROCYTE_TEST_DB_PATH;
    delete process.env.ASTROCYTE_CONFIG;
  });

  it('fills defaults: SQLite at ./astrocyte.db, local embedder, no LLM, PII redaction', () => {
    const config = parseConfigText('');
    expect(config.storage).toEqual({ backend: 'sqlite' });
    expect(config.embedding).toEqual({ provider: 'local', dimensions: 384 });
    expect(config.llm).toEqual({ provider: 'none' });
    expect(config.recall.max_results).toBe(10);
    expect(config.recall.repeat_factor).toBe(0.3);
    expect(config.recall.speaker_boost).toBe(0.5);
    expect(config.governance.dedup).toEqual({ near_threshold: 0.95, action: 'skip' });
    expect(config.governance.pii.default).toBe('redact');
  });

  it('names the line and suggests the key for an unknown key', () => {
    const error = configFailure(() =>
      parseConfigText('storage:\n  backend: sqlite\nrecall:\n  max_result: 5\n', '/x/astrocyte.yaml'),
    );
    expect(error.message).toBe(
      '/x/astrocyte.yaml:4: recall.max_result: unknown key "max_result"; did you mean "max_results"?',
    );
    expect(error.details).toMatchObject({ line: 4, path: 'recall.max_result' });
    expect(configFailure(() => parseConfigText('embeding:\n  provider: local\n')).message).toContain(
      'did you mean "embedding"?',
    );
  });

  it('names the line of malformed YAML', () => {
    expect(configFailure(() => parseConfigText('storage:\n  backend: sqlite\n  path: [unclosed\n')).message).toMatch(
      /^astrocyte\.yaml:4: invalid YAML: Flow sequence/,
    );
    expect(configFailure(() => parseConfigText('recall:\n  max_results: 1\nrecall:\n  max_results: 2\n')).message).toBe(
      'astrocyte.yaml:3: invalid YAML: Map keys must be unique',
    );
  });

  it('refuses a YAML alias bomb with a ConfigError instead of expanding it', () => {
    const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const bomb = levels
      .map(
        (k, i) =>
          `${k}: &${k} [${Array(9)
            .fill(i === 0 ? 'lol' : `*${levels[i - 1]}`)
            .join(', ')}]`,
      )
      .join('\n');
    expect(configFailure(() => parseConfigText(bomb, '/x/astrocyte.yaml')).message).toMatch(
      /^\/x\/astrocyte\.yaml: invalid YAML: aliases expand too far/,
    );
    const config = parseConfigText('recall: { max_results: &n 7 }\nreflect: { max_sources: *n }\n');
    expect([config.recall.max_results, config.reflect.max_sources]).toEqual([7, 7]);
  });

  it('names the line and key of a wrong value', () => {
    const error = configFailure(() => parseConfigText('storage:\n  backend: mongo\n'));
    expect(error.message).toMatch(/astrocyte\.yaml:2: storage\.backend: /);
    expect(configFailure(() => parseConfigText('recall:\n  max_results: 1000\n')).message).toContain(
      'recall.max_results',
    );
    expect(configFailure(() => parseConfigText('recall:\n  repeat_factor: 1.5\n')).message).toContain(
      'recall.repeat_factor',
    );
    expect(configFailure(() => parseConfigText('recall:\n  speaker_boost: -1\n')).message).toContain(
      'recall.speaker_boost',
    );
    expect(configFailure(() => parseConfigText('bank: has space\n')).message).toMatch(
      /astrocyte\.yaml:1: bank: must be a bank id: 1 to 255 characters of letters/,
    );
    // YAML reads 1e400 as Infinity: the message says so, not "must be a number, got number".
    expect(configFailure(() => parseConfigText('limits:\n  max_content_length: 1e400\n')).message).toMatch(
      /limits\.max_content_length: must be a number, got Infinity/,
    );
  });

  it("names the file, line and key of a problem in the backend's section, found by the backend's own schema", async () => {
    const opening = (text: string) =>
      loadConfigFile(configFile(text)).then(async (loaded) => {
        await (await brainFromConfig(loaded)).close();
        throw new Error('expected a ConfigError');
      });
    const typo = await opening('storage:\n  backend: sqlite\n  sqlite:\n    pathh: ./x.db\n').catch((e) => e);
    expect(ConfigError.isInstance(typo)).toBe(true);
    expect(typo.message).toMatch(
      /astrocyte\.yaml:4: storage\.sqlite\.pathh: unknown key "pathh"; did you mean "path"\?$/,
    );
    expect(typo.details).toMatchObject({ line: 4, path: 'storage.sqlite.pathh' });
    const missing = await opening('storage:\n  backend: postgres\n').catch((e) => e);
    expect(missing.message).toMatch(/astrocyte\.yaml: storage\.postgres\.url: is required$/);
    const wrong = await opening('storage:\n  backend: memory\n  memory:\n    size: 3\n').catch((e) => e);
    expect(wrong.message).toMatch(/astrocyte\.yaml:4: storage\.memory\.size: unknown key "size"$/);
  });

  it('names a section missing its provider, at the section, and the providers it takes', async () => {
    const problem = (text: string) => loadConfigFile(configFile(text)).catch((e) => e);
    const missing = await problem('# settings\nembedding:\n  dimensions: 256\n');
    expect(ConfigError.isInstance(missing)).toBe(true);
    expect(missing.message).toMatch(
      /astrocyte\.yaml:2: embedding\.provider: is required in this section: one of "local", "openai"$/,
    );
    expect((await problem('llm:\n  provider: claude\n')).message).toMatch(
      /astrocyte\.yaml:2: llm\.provider: must be one of "none", "anthropic", "openai", got "claude"$/,
    );
  });

  it('reads ${VAR} from the environment and refuses a missing one, naming it', () => {
    process.env.ASTROCYTE_TEST_DB_PATH = '/tmp/from-env.db';
    expect(parseConfigText('storage:\n  sqlite:\n    path: ${ASTROCYTE_TEST_DB_PATH}\n').storage.sqlite?.path).toBe(
      '/tmp/from-env.db',
    );
    expect(
      parseConfigText('storage:\n  sqlite:\n    path: ${ASTROCYTE_UNSET_VAR:-./fallback.db}\n').storage.sqlite?.path,
    ).toBe('./fallback.db');
    const error = configFailure(() =>
      parseConfigText('llm:\n  provider: anthropic\n  api_key: ${ASTROCYTE_UNSET_KEY}\n'),
    );
    expect(error.message).toBe('astrocyte.yaml:3: llm.api_key: environment variable ASTROCYTE_UNSET_KEY is not set');
    // Set but empty: its default applies, and without one the message says what it is.
    process.env.ASTROCYTE_TEST_EMPTY = '';
    expect(
      parseConfigText('storage:\n  sqlite:\n    path: ${ASTROCYTE_TEST_EMPTY:-./x.db}\n').storage.sqlite?.path,
    ).toBe('./x.db');
    expect(
      configFailure(() => parseConfigText('llm:\n  provider: anthropic\n  api_key: ${ASTROCYTE_TEST_EMPTY}\n')).message,
    ).toBe('astrocyte.yaml:3: llm.api_key: environment variable ASTROCYTE_TEST_EMPTY is empty');
    delete process.env.ASTROCYTE_TEST_EMPTY;
  });

  it('loads a file, fails clearly for a missing one, and builds an in-memory brain', async () => {
    const loaded = await loadConfigFile(configFile('storage:\n  backend: memory\nrecall:\n  max_results: 3\n'));
    expect(loaded.config.recall.max_results).toBe(3);
    await expect(loadConfigFile('/nonexistent/astrocyte.yaml')).rejects.toThrow(/does not exist/);
    const file = configFile('recall:\n  max_results: 4\n');
    const folder = dirname(file);
    await expect(loadConfigFile(folder)).rejects.toMatchObject({
      code: 'invalid_config',
      message: `config file ${folder} is a folder; pass the path of the YAML file in it`,
    });
    await expect(loadConfigFile('')).rejects.toMatchObject({ code: 'invalid_config', message: /path is empty/ });
    // `ASTROCYTE_CONFIG= astrocyte …` unsets it: the file it would name is the default, not the current folder.
    process.env.ASTROCYTE_CONFIG = file;
    expect((await loadConfigFile()).config.recall.max_results).toBe(4);
    process.env.ASTROCYTE_CONFIG = '';
    expect((await loadConfigFile()).config.recall.max_results).toBe(10);
    const brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    await brain.retain('config objects work', { bankId: 'cfg' });
    expect((await brain.recall('config', { bankId: 'cfg' })).hits).toHaveLength(1);
    await brain.close();
    await expect(Astrocyte.fromConfigObject({ storage: { backend: 'memory', extra: 1 } })).rejects.toThrow(
      /unknown key "extra"/,
    );
  });
});
