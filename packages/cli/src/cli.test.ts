import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Astrocyte, loadConfigFile } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { astrocyte, tempProject } from './cli-process.fixture.js';

// Every test spawns several real processes; on a loaded machine that takes a while.
describe('astrocyte command', { timeout: 120_000 }, () => {
  it('retains then recalls through the subprocess, in text and JSON', async () => {
    const { dir } = tempProject();
    const stored = await astrocyte(
      ['retain', '--bank', 'alice', '-t', 'preference,ui', '-m', '{"source":"chat"}', 'The user prefers dark mode'],
      { cwd: dir },
    );
    expect(stored.stderr).toBe('');
    expect(stored.code).toBe(0);
    const id = /^stored (\S+)$/.exec(stored.stdout.trim())?.[1];
    expect(id).toBeDefined();

    const recalled = await astrocyte(['--json', 'recall', 'which theme does the user like', '--bank', 'alice'], {
      cwd: dir,
    });
    expect(recalled.code).toBe(0);
    const { hits, total } = JSON.parse(recalled.stdout);
    expect(total).toBe(1);
    expect(hits[0]).toMatchObject({
      id,
      bank_id: 'alice',
      text: 'The user prefers dark mode',
      tags: ['preference', 'ui'],
      metadata: { source: 'chat' },
    });

    const human = await astrocyte(['recall', '--bank', 'alice', 'dark mode'], { cwd: dir });
    expect(human.stdout).toMatch(
      new RegExp(`^\\d\\.\\d{3}  ${id}  The user prefers dark mode  \\[preference, ui\\]\\n$`),
    );

    // Another bank sees nothing of alice's memories.
    const other = await astrocyte(['recall', '--bank', 'bob', 'dark mode'], { cwd: dir });
    expect(other.stdout).toBe('no memories matched\n');
  });

  it('reads content from stdin, deduplicates, and shows history, list and banks', async () => {
    const { dir } = tempProject();
    const first = await astrocyte(['--json', 'retain', '-'], { cwd: dir, input: 'Standup is at 9:30 every weekday\n' });
    const { memory_id: id } = JSON.parse(first.stdout);
    const again = await astrocyte(['--json', 'retain', 'standup is at 9:30 every weekday'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ stored: false, deduplicated: true, duplicate_of: id });

    const history = JSON.parse((await astrocyte(['--json', 'history', id], { cwd: dir })).stdout);
    expect(history).toEqual([
      expect.objectContaining({
        version: 1,
        action: 'create',
        text: 'Standup is at 9:30 every weekday',
        actor: 'astrocyte-cli',
      }),
    ]);
    const list = JSON.parse((await astrocyte(['--json', 'list'], { cwd: dir })).stdout);
    expect(list.items.map((m: { id: string }) => m.id)).toEqual([id]);
    expect(JSON.parse((await astrocyte(['--json', 'banks'], { cwd: dir })).stdout)).toEqual([
      { bank_id: 'default', memory_count: 1 },
    ]);
  });

  it("prints the next page's command with the bank and filters of this one, which lists the rest", async () => {
    const { dir, config } = tempProject();
    const run = (args: string[]) => astrocyte(args, { cwd: dir });
    // Stored in this process: a child process a memory costs seconds.
    const brain = await Astrocyte.fromConfig(config);
    for (const text of ['one', 'two', 'three'])
      await brain.retain(`note ${text}`, { bankId: 'alice', tags: ['my notes'] });
    await brain.retain('in the default bank', { bankId: 'default', tags: ['my notes'] });
    await brain.close();
    const first = await run(['-b', 'alice', 'list', '--tags', 'my notes', '--limit', '2']);
    const hint = /^more: astrocyte list --bank alice --tags 'my notes' --limit 2 --cursor (\S+)\n$/.exec(first.stderr);
    expect(hint).not.toBeNull();
    // The printed command, word by word as a shell splits it.
    const next = await run([
      'list',
      '--bank',
      'alice',
      '--tags',
      'my notes',
      '--limit',
      '2',
      '--cursor',
      hint?.[1] as string,
    ]);
    expect(next.stdout).toMatch(/ {2}note three {2}\[my notes\]\n$/);
    expect(next.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('forgets by id and refuses --all without --yes', async () => {
    const { dir } = tempProject();
    const { memory_id: id } = JSON.parse(
      (await astrocyte(['--json', 'retain', 'Temporary note'], { cwd: dir })).stdout,
    );
    const refused = await astrocyte(['forget', '--all'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('astrocyte: --all erases every memory of the bank (fix: add --yes to confirm)\n');
    const forgot = await astrocyte(['forget', '--ids', id, '--reason', 'user asked'], { cwd: dir });
    expect(forgot.stdout).toBe('forgot 1 memory\n');
    const tombstone = JSON.parse((await astrocyte(['--json', 'history', id], { cwd: dir })).stdout);
    expect(tombstone.at(-1)).toMatchObject({ action: 'forget', text: null, reason: 'user asked' });
    const compacted = await astrocyte(['compact'], { cwd: dir });
    expect(compacted.code).toBe(0);
    expect(compacted.stdout).toBe('compacted: forgotten data is gone from the store files\n');
    expect(readFileSync(join(dir, 'memory.db')).includes('Temporary note')).toBe(false);
  });

  it('forgets a superseded memory by id, and replaces a memory under legal hold only with an override', async () => {
    const { dir } = tempProject();
    const retain = async (args: string[]) =>
      JSON.parse((await astrocyte(['--json', 'retain', ...args], { cwd: dir })).stdout);
    const old = await retain(['Rent is due on the 1st']);
    const next = await retain(['--supersedes', old.memory_id, 'Rent is due on the 5th']);
    const forgot = await astrocyte(['forget', '--ids', old.memory_id, '--reason', 'tenant asked'], { cwd: dir });
    expect(forgot.stdout).toBe('forgot 1 memory\n');
    const history = JSON.parse((await astrocyte(['--json', 'history', old.memory_id], { cwd: dir })).stdout);
    expect(history.map((v: { text: string | null }) => v.text)).toEqual([null, null, null]);
    expect(history.at(-1)).toMatchObject({ action: 'forget', reason: 'tenant asked' });
    const listed = JSON.parse((await astrocyte(['--json', 'list'], { cwd: dir })).stdout);
    expect(listed.items.map((m: { text: string }) => m.text)).toEqual(['Rent is due on the 5th']);

    const held = await retain(['-t', 'legal-hold', 'Lease signed on 2 May']);
    const refused = await astrocyte(['retain', '--supersedes', held.memory_id, 'Lease signed on 3 May'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/legal hold.*--override-legal-hold and --reason/);
    const replaced = await retain([
      '--supersedes',
      held.memory_id,
      '--override-legal-hold',
      '--reason',
      'typo in the date',
      'Lease signed on 3 May',
    ]);
    expect(replaced.stored).toBe(true);
    expect(next.stored).toBe(true);
  });

  it('imports a large batch and exits 0 once the store is closed', async () => {
    const { dir } = tempProject();
    const lines = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({ text: `Imported note ${i} about shipment ${i * 13} to depot ${i % 17}` }),
    );
    const run = await astrocyte(['import', '--bank', 'bulk', '--batch-size', '2000', '-'], {
      cwd: dir,
      input: `${lines.join('\n')}\n`,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('imported stdin into bank bulk: 2000 stored, 0 deduplicated, 0 rejected\n');
    expect(run.code).toBe(0);
  });

  it('reports a bad config in one line with the fix and exits 2', async () => {
    const { dir, config } = tempProject();
    writeFileSync(config, 'storage:\n  backend: sqlite\n  sqlte:\n    path: ./x.db\n');
    const run = await astrocyte(['recall', 'anything'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(
      /^astrocyte: .*astrocyte\.yaml:3: storage\.sqlte: unknown key "sqlte"; did you mean "sqlite"\? \(fix: .+\)\n$/,
    );

    const missing = await astrocyte(['--config', join(dir, 'nope.yaml'), 'banks'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^astrocyte: config file .*nope\.yaml does not exist.*\(fix: run `astrocyte init` to create it, or pass the right --config\)\n$/,
    );

    // A folder given as the config is named as one (Node said "EISDIR: illegal operation on a directory, read").
    const folder = await astrocyte(['--config', dir, 'banks'], { cwd: dir });
    expect(folder).toMatchObject({ code: 2, stdout: '' });
    expect(folder.stderr).toBe(
      `astrocyte: config file ${dir} is a folder; pass the path of the YAML file in it (fix: pass the path of a readable YAML file with --config or ASTROCYTE_CONFIG, or unset both for the default)\n`,
    );
  });

  it('exits 2 for usage errors and 1 for runtime errors, each in one line', async () => {
    const { dir } = tempProject();
    expect((await astrocyte(['retain', 'A first fact'], { cwd: dir })).code).toBe(0);
    const unknownOption = await astrocyte(['recall', '--frobnicate', 'x'], { cwd: dir });
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toBe(
      "astrocyte: unknown option '--frobnicate' (fix: see `astrocyte recall --help`)\n",
    );

    const badNumber = await astrocyte(['recall', '-n', 'lots', 'x'], { cwd: dir });
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toMatch(
      /^astrocyte: option .* argument 'lots' is invalid\. .* \(fix: see `astrocyte recall --help`\)\n$/,
    );

    const badDate = await astrocyte(['retain', '--occurred-at', 'yesterday-ish', 'A fact'], { cwd: dir });
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(
      /^astrocyte: occurredAt: .* \(fix: correct --occurred-at; see `astrocyte retain --help`\)\n$/,
    );

    const badBank = await astrocyte(['list', '--bank', 'no spaces'], { cwd: dir });
    expect(badBank.code).toBe(2);
    expect(badBank.stderr).toMatch(/^astrocyte: bankId: .* \(fix: correct --bank; /);

    // A bad bank in --banks is named by its place in the list.
    const badBanks = await astrocyte(['recall', '--banks', 'default,no spaces', 'x'], { cwd: dir });
    expect(badBanks.code).toBe(2);
    expect(badBanks.stderr).toMatch(
      /^astrocyte: bankIds\[1\]: .* \(fix: correct --banks; see `astrocyte recall --help`\)\n$/,
    );

    const notFound = await astrocyte(['history', 'no-such-memory'], { cwd: dir });
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toBe(
      'astrocyte: no memory no-such-memory in bank default (fix: list the memory ids of the bank with `astrocyte list --bank <bank>`)\n',
    );

    const noContent = await astrocyte(['retain'], { cwd: dir });
    expect(noContent.code).toBe(2);
    expect(noContent.stderr).toMatch(/^astrocyte: no content given \(fix: /);

    // JSON.parse keeps the last of a key given twice: the metadata would have said "crm" alone.
    const twice = await astrocyte(['retain', '-m', '{"source":"chat","source":"crm"}', 'A fact'], { cwd: dir });
    expect(twice).toMatchObject({ code: 2, stdout: '' });
    expect(twice.stderr).toContain('source: is given more than once; give each key once');
  });

  it('refuses a list option that names nothing on every command, so that an unset variable never widens a filter', async () => {
    const { dir } = tempProject();
    await astrocyte(['retain', '-t', 'secret', 'The launch code is 1234'], { cwd: dir });
    await astrocyte(['retain', '-t', 'public', 'The office opens at 9'], { cwd: dir });
    // `export --tags "$TAG"` with $TAG unset exported the whole bank, the secret included, exit 0; list and recall
    // listed everything too.
    for (const [command, option, value, ...rest] of [
      ['export', '--tags', '', '-o', 'share.jsonl'],
      ['export', '--tags', ' , '],
      ['export', '--tags', '', '--tags', 'public'],
      ['list', '--tags', ''],
      ['recall', '--tags', '', 'launch code'],
      ['recall', '--banks', '', 'launch code'],
      ['forget', '--tags', ''],
      ['forget', '--ids', ' , '],
      ['retain', '--tags', '', 'The door code is 5678'],
      ['rules explain', '--tags', ',', 'x'],
    ] as const) {
      const args = [...command.split(' '), ...rest, option, value];
      const run = await astrocyte(args, { cwd: dir });
      expect({ args, ...run }).toMatchObject({ args, code: 2, stdout: '' });
      expect(run.stderr).toMatch(
        new RegExp(
          `^astrocyte: option '[^']*${option} <list>' argument '${value}' is invalid\\. names nothing; give at least one, comma-separated \\(fix: see \`astrocyte ${command.split(' ')[0]} --help\`\\)\\n$`,
        ),
      );
    }
    expect(existsSync(join(dir, 'share.jsonl'))).toBe(false);
    const listed = await astrocyte(['--json', 'list'], { cwd: dir });
    expect(JSON.parse(listed.stdout).items.map((m: { text: string }) => m.text)).toEqual([
      'The launch code is 1234',
      'The office opens at 9',
    ]);
  });

  it('a command that only reads or removes names a store that is not there, and creates none', async () => {
    const { dir } = tempProject();
    const store = join(dir, 'memory.db');
    for (const args of [
      ['recall', 'x'],
      ['list'],
      ['history', 'some-id'],
      ['banks'],
      ['export'],
      ['forget', '--all', '--yes'],
      ['reembed', '--status'],
      ['reembed', '--cancel'],
    ]) {
      const run = await astrocyte(args, { cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `astrocyte: @astrocyte/brain-sqlite: no store at ${store}: nothing has been stored there yet (fix: check storage.sqlite.path in the config (a relative path is read from the config file's folder) and --config; a store is created by the first retain or import)\n`,
      );
      expect(existsSync(store)).toBe(false);
    }
    expect((await astrocyte(['retain', 'The office moved to Leeds'], { cwd: dir })).code).toBe(0);
    const found = await astrocyte(['recall', 'office'], { cwd: dir });
    expect(found.code).toBe(0);
    expect(found.stdout).toContain('The office moved to Leeds');
  });

  it('a store path that holds another kind of file is refused in one line with the fix, and the file kept', async () => {
    const { dir } = tempProject();
    const store = join(dir, 'memory.db');
    const text = 'Shopping: eggs, flour, the good olive oil\n';
    writeFileSync(store, text);
    for (const args of [
      ['recall', 'olive oil'],
      ['retain', 'The office moved to Leeds'],
    ]) {
      const run = await astrocyte(args, { cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        "astrocyte: sqlite: open failed: the file is not a SQLite database, or is damaged (file is not a database); nothing was written to it (fix: point storage.sqlite.path at the store's file, or restore the file from a backup (docs/operations.md, Backups))\n",
      );
    }
    expect(readFileSync(store, 'utf8')).toBe(text);
  });

  it('shows control characters of stored text and tags as escapes, one memory a line, in list, recall and history', async () => {
    const { dir } = tempProject();
    const text = 'Invoice \u001b[31mOVERDUE\u001b[0m\rpaid\nbob: I approve \u202eevil';
    const stored = await astrocyte(['--json', 'retain', '-t', 'bill\u001b[8m', text], { cwd: dir });
    const id = JSON.parse(stored.stdout).memory_id as string;
    const shown = 'Invoice \\x1b[31mOVERDUE\\x1b[0m\\rpaid\\nbob: I approve \\u202eevil';
    const list = await astrocyte(['list'], { cwd: dir });
    expect(list.stdout).toBe(`${id}  ${list.stdout.slice(38, 58)}  ${shown}  [bill\\x1b[8m]\n`);
    const recall = await astrocyte(['recall', 'invoice overdue'], { cwd: dir });
    expect(recall.stdout).toMatch(new RegExp(`^\\d\\.\\d{3}  ${id}  `));
    expect(recall.stdout.split('\n')).toHaveLength(2);
    const history = await astrocyte(['history', id], { cwd: dir });
    expect(history.stdout).toContain(shown);
    for (const run of [list, recall, history]) expect(run.stdout).not.toMatch(/(?!\n)[\p{Cc}\u202e]/u);
    // --json keeps the text as it is, escaped as JSON escapes it.
    const json = await astrocyte(['--json', 'list'], { cwd: dir });
    expect(JSON.parse(json.stdout).items[0].text).toBe(text);
  });

  it('init writes a commented config that validates and that the command then uses', async () => {
    const { dir } = tempProject();
    const file = join(dir, 'fresh.yaml');
    const init = await astrocyte(['--config', file, 'init'], { cwd: dir });
    expect(init.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# ');
    const { config } = await loadConfigFile(file);
    expect(config.storage).toMatchObject({ backend: 'sqlite', sqlite: { path: './astrocyte.db' } });
    expect(config.mcp).toEqual({ include_forget: false, include_reflect: true });

    const again = await astrocyte(['--config', file, 'init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists \(fix: edit it, or pass --force to overwrite it\)\n$/);
    expect((await astrocyte(['--config', file, 'retain', 'Configured by init'], { cwd: dir })).code).toBe(0);

    // Even with --force, a folder is not overwritten, and a file in a folder that is not there is not attempted.
    const folder = await astrocyte(['--config', dir, 'init', '--force'], { cwd: dir });
    expect(folder).toMatchObject({ code: 2, stdout: '' });
    expect(folder.stderr).toBe(
      `astrocyte: ${dir} is a folder (fix: name the file to write, e.g. --config ./astrocyte.yaml)\n`,
    );
    const nowhere = await astrocyte(['--config', join(dir, 'missing', 'a.yaml'), 'init'], { cwd: dir });
    expect(nowhere).toMatchObject({ code: 2, stdout: '' });
    expect(nowhere.stderr).toMatch(/^astrocyte: there is no folder .*missing \(fix: create the folder first/);
  });

  it('takes the bank from $ASTROCYTE_BANK, then the config', async () => {
    const { dir } = tempProject('bank: team-notes\n');
    await astrocyte(['retain', 'From the config bank'], { cwd: dir });
    await astrocyte(['retain', 'From the environment bank'], { cwd: dir, env: { ASTROCYTE_BANK: 'env-bank' } });
    const banks = JSON.parse((await astrocyte(['--json', 'banks'], { cwd: dir })).stdout);
    expect(banks).toEqual(
      expect.arrayContaining([
        { bank_id: 'team-notes', memory_count: 1 },
        { bank_id: 'env-bank', memory_count: 1 },
      ]),
    );
    // A bank the environment gives that is not one is named as coming from there, not from a --bank never typed.
    const bad = await astrocyte(['list'], { cwd: dir, env: { ASTROCYTE_BANK: 'team notes' } });
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toMatch(/^astrocyte: ASTROCYTE_BANK: must be .*; got "team notes"/);
  });

  it('shows redactions, and a retain refused by policy exits 1 in one line', async () => {
    const { dir } = tempProject('governance:\n  pii:\n    overrides: { credit_card: reject }\n');
    const redacted = await astrocyte(['retain', 'Write to bob@example.com about the invoice'], { cwd: dir });
    expect(redacted.code).toBe(0);
    expect(redacted.stdout).toMatch(/^stored \S+\nredacted: email\n$/);
    const refused = await astrocyte(['retain', 'My card is 4111 1111 1111 1111'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^astrocyte: not stored: .*credit_card.* \(fix: see which rule or PII setting refused it with `astrocyte rules explain "<content>"`\)\n$/,
    );
    const explained = await astrocyte(['rules', 'explain', 'My card is 4111 1111 1111 1111'], { cwd: dir });
    expect(explained.stdout).toMatch(/^action: reject/);
  });

  it('rules explain prints the decision and stores nothing', async () => {
    const { dir } = tempProject();
    const run = await astrocyte(
      ['--json', 'rules', 'explain', '--bank', 'b1', '-t', 'x', 'Deploys happen on Tuesdays'],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      action: 'store',
      bank_id: 'b1',
      tags: ['x'],
      matched: expect.any(Array),
    });
    const human = await astrocyte(['rules', 'explain', 'Deploys happen on Tuesdays'], { cwd: dir });
    expect(human.stdout).toMatch(/^action: store\nbank: default\n/);
    expect(JSON.parse((await astrocyte(['--json', 'banks'], { cwd: dir })).stdout)).toEqual([]);
  });

  it('reflect answers from memory', async () => {
    const { dir } = tempProject();
    await astrocyte(['retain', 'The deploy window is Tuesday afternoon'], { cwd: dir });
    const run = await astrocyte(['--json', 'reflect', 'when is the deploy window'], { cwd: dir });
    const result = JSON.parse(run.stdout);
    expect(result.mode).toBe('extractive');
    expect(result.answer).toContain('Tuesday afternoon');
    expect(result.sources[0].text).toBe('The deploy window is Tuesday afternoon');
  });
});
