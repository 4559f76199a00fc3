import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import { Astrocyte, type Memory } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { astrocyte, BIN_ARGS, everything, tempProject } from './cli-process.fixture.js';
import { exportMemories } from './export-memories.js';
import { importMemories } from './import-memories.js';

// Everything a memory carries except what the target bank assigns anew (id, creation time).
const content = (m: Memory) => ({
  text: m.text,
  tags: m.tags,
  metadata: m.metadata,
  path: m.path ?? null,
  occurredAt: m.occurredAt?.toISOString() ?? null,
  expiresAt: m.expiresAt?.toISOString() ?? null,
});

// What a round trip must keep of each memory, in storage order; a long text's ids are new in the copy, so each
// document is named by its order of appearance.
function conversationShape(memories: Memory[]) {
  const documents: string[] = [];
  const documentName = (id: string) => {
    if (!documents.includes(id)) documents.push(id);
    return `document ${documents.indexOf(id)}`;
  };
  return memories.map((m) => ({
    ...content(m),
    speaker: m.speaker ?? null,
    document: m.documentId ? documentName(m.documentId) : null,
    episode: m.episode
      ? {
          id: m.episode.id === m.documentId ? documentName(m.episode.id) : m.episode.id,
          position: m.episode.position,
        }
      : null,
  }));
}

const byText = (memories: Memory[]) => memories.map(content).sort((a, b) => a.text.localeCompare(b.text));
const withoutIds = (jsonl: string) =>
  jsonl
    .trim()
    .split('\n')
    .map((line) => {
      const { id: _id, created_at: _created, ...rest } = JSON.parse(line);
      return rest;
    });

describe('export and import', { timeout: 120_000 }, () => {
  it('round-trips a bank into a fresh one with identical content, and a rerun only deduplicates', async () => {
    const { dir, config } = tempProject();
    const brain = await Astrocyte.fromConfig(config);
    await brain.retain('Deploys happen on Tuesdays', {
      bankId: 'source',
      tags: ['ops', 'schedule'],
      metadata: { team: 'infra', weight: 2.5, flags: [true, null] },
    });
    await brain.retain('Alice leads project Apollo', {
      bankId: 'source',
      path: 'projects/apollo',
      occurredAt: '2024-03-01T09:00:00.000Z',
    });
    await brain.retain('The office closes early on Friday, "summer hours"\nuntil August', {
      bankId: 'source',
      expiresAt: '2099-01-01T00:00:00.000Z',
    });
    await brain.close();

    const exported = await astrocyte(['export', '--bank', 'source', '-o', 'out.jsonl'], { cwd: dir });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('exported 3 memories from bank source to out.jsonl\n');
    const file = readFileSync(join(dir, 'out.jsonl'), 'utf8');
    const lines = file
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[0])).toEqual([
      'id',
      'text',
      'tags',
      'metadata',
      'path',
      'created_at',
      'occurred_at',
      'expires_at',
      'speaker',
      'episode',
      'document_id',
    ]);

    const imported = await astrocyte(['import', '--bank', 'copy', 'out.jsonl'], { cwd: dir });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe('imported out.jsonl into bank copy: 3 stored, 0 deduplicated, 0 rejected\n');

    const reread = await Astrocyte.fromConfig(config);
    expect(byText(await everything(reread, 'copy'))).toEqual(byText(await everything(reread, 'source')));
    await reread.close();

    // The copy exports to the same lines, ids and creation times aside.
    const second = await astrocyte(['export', '--bank', 'copy'], { cwd: dir });
    expect(second.stderr).toBe('exported 3 memories from bank copy\n');
    expect(withoutIds(second.stdout)).toEqual(withoutIds(file));

    const rerun = await astrocyte(['--json', 'import', '--bank', 'copy'], { cwd: dir, input: file });
    expect(JSON.parse(rerun.stdout)).toMatchObject({
      bank_id: 'copy',
      stored: 0,
      deduplicated: 3,
      rejected: 0,
      malformed: 0,
    });
  });

  it('round-trips conversations and long texts: the same episodes, in order, with speakers, and the same chunks', async () => {
    const { dir, config } = tempProject('limits:\n  chunk_size: 200\n');
    const brain = await Astrocyte.fromConfig(config);
    await brain.retainConversation(
      [
        { speaker: 'ann', text: 'Shall we move the launch to May?', metadata: { dia_id: 'D1:1' } },
        { speaker: 'bo', text: 'Only if marketing agrees.', occurredAt: '2024-02-01T10:05:00Z' },
        { speaker: 'ann', text: 'I will ask them today.' },
      ],
      { bankId: 'source', sessionId: 'planning-1', occurredAt: '2024-02-01T10:00:00Z' },
    );
    await brain.retain('The launch budget is 40,000 euros', { bankId: 'source', tags: ['budget'] });
    const paragraph = (topic: string) =>
      `The ${topic} section explains what the team does. It lists who to ask and when. ` +
      `It ends with the checks to run before anything is shipped to customers.`;
    const handbook = ['onboarding', 'release', 'support', 'billing'].map(paragraph).join('\n\n');
    const long = await brain.retain(handbook, { bankId: 'source', path: 'docs/handbook', tags: ['handbook'] });
    expect(long.chunkIds?.length).toBeGreaterThan(2);
    await brain.retainConversation(
      [
        { speaker: 'bo', text: 'Marketing agreed to May.' },
        { speaker: 'ann', text: 'Then May 14 it is.' },
      ],
      { bankId: 'source', sessionId: 'planning-1', tags: ['decision'] },
    );
    // A turn that expires (as an expire rule makes them) comes back with its expiry.
    await brain.retainConversation(
      [{ speaker: 'cy', text: 'Who owns the press release?', expiresAt: '2099-01-01T00:00:00Z' }],
      { bankId: 'source', sessionId: 'planning-2' },
    );
    await brain.close();

    const exported = await astrocyte(['export', '--bank', 'source', '-o', 'out.jsonl'], { cwd: dir });
    expect(exported.code).toBe(0);
    const imported = await astrocyte(['--json', 'import', '--bank', 'copy', 'out.jsonl'], { cwd: dir });
    expect(imported.stderr).toBe('');
    const exportedCount = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').length;
    expect(JSON.parse(imported.stdout)).toMatchObject({ format: 'memories', stored: exportedCount, rejected: 0 });

    const reread = await Astrocyte.fromConfig(config);
    const [source, copy] = [await everything(reread, 'source'), await everything(reread, 'copy')];
    await reread.close();
    expect(conversationShape(copy)).toEqual(conversationShape(source));
    // The shape holds what the round trip must keep; check it is there to be compared.
    expect(conversationShape(copy).filter((m) => m.episode?.id === 'planning-1')).toMatchObject([
      { speaker: 'ann', episode: { position: 0 }, metadata: { dia_id: 'D1:1' } },
      { speaker: 'bo', episode: { position: 1 }, occurredAt: '2024-02-01T10:05:00.000Z' },
      { speaker: 'ann', episode: { position: 2 }, occurredAt: '2024-02-01T10:00:00.000Z' },
      { speaker: 'bo', episode: { position: 3 }, tags: ['decision'] },
      { speaker: 'ann', episode: { position: 4 }, text: 'Then May 14 it is.' },
    ]);
    expect(conversationShape(copy).find((m) => m.episode?.id === 'planning-2')).toMatchObject({
      speaker: 'cy',
      expiresAt: '2099-01-01T00:00:00.000Z',
    });
    expect(
      conversationShape(copy)
        .filter((m) => m.document !== null)
        .map((m) => m.text)
        .join('\n\n'),
    ).toBe(handbook);

    const rerun = await astrocyte(['--json', 'import', '--bank', 'copy', 'out.jsonl'], { cwd: dir });
    expect(JSON.parse(rerun.stdout)).toMatchObject({ stored: 0, deduplicated: exportedCount, rejected: 0 });
  });

  it('keeps a session whole whatever --batch-size: a turn said again at the same time is stored again, with its own tags', async () => {
    const { dir, config } = tempProject();
    const brain = await Astrocyte.fromConfig(config);
    // Every third turn is the same "ok" by the same speaker at the session's time; some turns carry a tag of their own.
    const turns = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 2
        ? { speaker: 'user', text: 'ok' }
        : {
            speaker: i % 3 === 0 ? 'agent' : 'user',
            text: `Step ${i}: check crate ${i} of the order`,
            tags: [`step-${i % 2}`],
          },
    );
    const stored = await brain.retainConversation(turns, {
      bankId: 'source',
      sessionId: 'packing',
      occurredAt: '2024-03-01T09:00:00Z',
      tags: ['warehouse'],
    });
    expect(stored.filter((r) => r.stored)).toHaveLength(30);
    await brain.close();

    expect((await astrocyte(['export', '--bank', 'source', '-o', 'out.jsonl'], { cwd: dir })).code).toBe(0);
    const imported = await astrocyte(['--json', 'import', '--bank', 'copy', '--batch-size', '2', 'out.jsonl'], {
      cwd: dir,
    });
    expect(JSON.parse(imported.stdout)).toMatchObject({ stored: 30, deduplicated: 0, rejected: 0 });
    const reread = await Astrocyte.fromConfig(config);
    const [source, copy] = [await everything(reread, 'source'), await everything(reread, 'copy')];
    await reread.close();
    expect(conversationShape(copy)).toEqual(conversationShape(source));
    expect(copy.map((m) => m.tags)).toEqual(
      turns.map((turn) => (turn.tags ? ['warehouse', ...turn.tags] : ['warehouse'])),
    );
    const rerun = await astrocyte(['--json', 'import', '--bank', 'copy', '--batch-size', '2', 'out.jsonl'], {
      cwd: dir,
    });
    expect(JSON.parse(rerun.stdout)).toMatchObject({ stored: 0, deduplicated: 30, rejected: 0 });
  });

  it('restores a session exported in two parts, with a turn said again in the second', async () => {
    const { dir, config } = tempProject();
    // Imported from a transcript whose session comes back after another, the bank holds it in two parts, in storage
    // order, and "ok" twice with no time of its own: the export holds the session's lines on both sides of the other.
    const turns = [
      { session: 'packing', speaker: 'user', text: 'ok' },
      { session: 'desk', speaker: 'user', text: 'hi' },
      { session: 'packing', speaker: 'user', text: 'crate 2 is packed' },
      { session: 'packing', speaker: 'user', text: 'ok' },
    ];
    writeFileSync(join(dir, 'turns.jsonl'), turns.map((turn) => JSON.stringify(turn)).join('\n'));
    expect((await astrocyte(['import', '--bank', 'source', 'turns.jsonl'], { cwd: dir })).code).toBe(0);
    expect((await astrocyte(['export', '--bank', 'source', '-o', 'out.jsonl'], { cwd: dir })).code).toBe(0);
    const imported = await astrocyte(['--json', 'import', '--bank', 'copy', 'out.jsonl'], { cwd: dir });
    expect(JSON.parse(imported.stdout)).toMatchObject({ stored: turns.length, deduplicated: 0 });
    const reread = await Astrocyte.fromConfig(config);
    const [source, copy] = [await everything(reread, 'source'), await everything(reread, 'copy')];
    await reread.close();
    expect(copy.map((m) => [m.episode?.id, m.text])).toEqual(source.map((m) => [m.episode?.id, m.text]));
    expect(copy.filter((m) => m.episode?.id === 'packing').map((m) => m.text)).toEqual([
      'ok',
      'crate 2 is packed',
      'ok',
    ]);
  });

  it('puts a corrected turn, exported after its session, back in its place in the session', async () => {
    const [source, copy] = [
      await createSqliteBrain({ path: ':memory:' }),
      await createSqliteBrain({ path: ':memory:' }),
    ];
    try {
      const turns = await source.retainConversation(
        [
          { speaker: 'ann', text: 'We should visit Lisbon in spring' },
          { speaker: 'bo', text: 'I prefer Porto honestly' },
          { speaker: 'ann', text: 'Fine, Porto then' },
        ],
        { bankId: 'b', sessionId: 'trip', occurredAt: '2024-05-08T10:00:00Z' },
      );
      await source.retain('I prefer Madeira honestly', { bankId: 'b', supersedes: turns[1]?.memoryId as string });
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (chunk: Buffer) => chunks.push(chunk));
      await exportMemories(source, 'b', out);
      expect(await importMemories(copy, 'b', Readable.from([Buffer.concat(chunks)]))).toMatchObject({ stored: 3 });

      const session = async (brain: typeof source) =>
        (await everything(brain, 'b'))
          .sort((x, y) => (x.episode?.position ?? 0) - (y.episode?.position ?? 0))
          .map((m) => [m.speaker, m.text]);
      expect(await session(copy)).toEqual([
        ['ann', 'We should visit Lisbon in spring'],
        ['bo', 'I prefer Madeira honestly'],
        ['ann', 'Fine, Porto then'],
      ]);
      expect(await session(copy)).toEqual(await session(source));
    } finally {
      await Promise.all([source.close(), copy.close()]);
    }
  });

  it('keeps every creation time when a bank moves, so time ranges and forget --before answer as before', async () => {
    const { dir } = tempProject();
    const clock = { at: new Date('2025-01-15T09:00:00Z') };
    const now = () => clock.at;
    const source = await createSqliteBrain({ path: join(dir, 'source.db'), now });
    const target = await createSqliteBrain({ path: join(dir, 'target.db'), now });
    try {
      await source.retain('We chose Postgres for the billing service', { bankId: 'team' });
      await source.retainConversation([{ speaker: 'ann', text: 'Billing launches in spring' }], {
        bankId: 'team',
        sessionId: 'plan',
      });
      clock.at = new Date('2026-03-01T09:00:00Z');
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (chunk: Buffer) => chunks.push(chunk));
      await exportMemories(source, 'team', out);
      const jsonl = Buffer.concat(chunks).toString('utf8');
      expect((await importMemories(target, 'team', Readable.from([jsonl]))).stored).toBe(2);

      const created = async (brain: Astrocyte) =>
        (await brain.list('team')).items.map((m) => [m.text, m.createdAt.toISOString()]);
      expect(await created(target)).toEqual(await created(source));
      const january = { bankId: 'team', timeRange: { from: '2025-01-01', to: '2025-01-31' } };
      expect((await target.recall('billing', january)).hits).toHaveLength(2);
      // The export imported back into its own bank is the same memories: nothing new.
      expect(await importMemories(source, 'team', Readable.from([jsonl]))).toMatchObject({
        stored: 0,
        deduplicated: 2,
      });
      expect(await target.forget('team', { before: '2025-06-01' })).toEqual({ deletedCount: 2 });
    } finally {
      await Promise.all([source.close(), target.close()]);
    }
  });

  it('skips the memories of an export that expired since, without calling the import failed', async () => {
    const { dir, config } = tempProject();
    const input = [
      JSON.stringify({ text: 'A note that expired', expires_at: '2001-01-01T00:00:00Z' }),
      JSON.stringify({ text: 'A note that stays', expires_at: '2099-01-01T00:00:00Z' }),
    ].join('\n');
    const run = await astrocyte(['import'], { cwd: dir, input });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      'imported stdin into bank default: 1 stored, 0 deduplicated, 0 rejected, 1 expired (not imported)\n',
    );
    const reread = await Astrocyte.fromConfig(config);
    expect((await reread.list('default')).items.map((m) => m.text)).toEqual(['A note that stays']);
    await reread.close();
  });

  it('exportMemories refuses an empty tags filter instead of exporting every memory', async () => {
    const { dir, config } = tempProject();
    await astrocyte(['retain', '-t', 'secret', 'The launch code is 1234'], { cwd: dir });
    const brain = await Astrocyte.fromConfig(config);
    const out = new PassThrough();
    const written: string[] = [];
    out.on('data', (chunk) => written.push(String(chunk)));
    try {
      await expect(exportMemories(brain, 'default', out, { tags: [] })).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field: 'tags' },
      });
    } finally {
      await brain.close();
    }
    expect(written).toEqual([]);
  });

  it('says what it stored before a quota stopped it', async () => {
    const { dir } = tempProject(
      'access:\n  grants:\n    - { principal: "user:ann", banks: "*", permissions: [read, write] }\n' +
        '  quotas:\n    - { banks: "*", max_memories: 3 }\n',
    );
    const input = ['one', 'two', 'three', 'four', 'five'].map((n) => JSON.stringify({ text: `Note ${n}` })).join('\n');
    const run = await astrocyte(['--principal', 'user:ann', 'import', '--batch-size', '2'], { cwd: dir, input });
    expect(run.code).toBe(1);
    const [stopped, error] = run.stderr.trim().split('\n');
    expect(stopped).toBe(
      'astrocyte: stopped after 2 stored and 0 deduplicated into bank default; importing the file again stores only what is missing',
    );
    expect(error).toMatch(/^astrocyte: .*max_memories/);
  });

  it('ends quietly when the reader of its output stops reading, as a filter in a pipe does', async () => {
    const { dir, config } = tempProject();
    const brain = await Astrocyte.fromConfig(config);
    await brain.retainMany(
      Array.from({ length: 3000 }, (_, i) => ({ content: `Inventory line ${i}` })),
      { bankId: 'default' },
    );
    await brain.close();
    const piped = spawnSync(
      'bash',
      ['-c', `${[process.execPath, ...BIN_ARGS].join(' ')} export | head -c 100 > /dev/null; echo "\${PIPESTATUS[0]}"`],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect({ status: piped.stdout.trim(), stderr: piped.stderr }).toEqual({ status: '0', stderr: '' });
  });

  it('refuses turn lines it cannot put back in their session, naming the line and the field', async () => {
    const { dir } = tempProject();
    const turn = { text: 'Hello', speaker: 'ann', episode: { id: 'chat', position: 0 } };
    const input = [
      JSON.stringify({ text: 'Hello', speaker: 'ann' }),
      JSON.stringify({ ...turn, path: 'notes/chat' }),
      JSON.stringify({ text: 'Hello', episode: { id: 'chat', position: 0 } }),
      JSON.stringify({ ...turn, episode: { id: 'chat', place: 0 } }),
      JSON.stringify({ ...turn, speaker: '' }),
      JSON.stringify(turn),
    ].join('\n');
    const run = await astrocyte(['--json', 'import'], { cwd: dir, input });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    // The good turn is not stored either: the malformed lines beside it may be turns of its session.
    expect(summary).toMatchObject({ format: 'memories', stored: 0, malformed: 5 });
    expect(summary.problems.map((p: { line: number; reason: string }) => [p.line, p.reason.split(':')[0]])).toEqual([
      [1, 'episode'],
      [2, 'path'],
      [3, 'episode'],
      [4, 'episode'],
      [5, 'speaker'],
      [6, 'not stored'],
    ]);
  });

  it('stores neither a long text nor a session beside a malformed line, and the corrected file stores both whole', async () => {
    const { dir, config } = tempProject('limits:\n  chunk_size: 200\n');
    const brain = await Astrocyte.fromConfig(config);
    const paragraph = (n: number) => `Paragraph ${n} says what the team does and who to ask before shipping anything.`;
    const handbook = [1, 2, 3, 4, 5].map(paragraph).join('\n\n');
    expect((await brain.retain(handbook, { bankId: 'source' })).chunkIds?.length).toBeGreaterThan(2);
    await brain.retainConversation(
      ['Shall we move the launch?', 'yes', 'Great, May it is'].map((text, i) => ({
        speaker: i === 1 ? 'bo' : 'ann',
        text,
      })),
      { bankId: 'source', sessionId: 'planning' },
    );
    await brain.retain('The budget is 40,000 euros', { bankId: 'source' });
    const source = await everything(brain, 'source');
    await brain.close();
    expect((await astrocyte(['export', '--bank', 'source', '-o', 'good.jsonl'], { cwd: dir })).code).toBe(0);
    const lines = readFileSync(join(dir, 'good.jsonl'), 'utf8').trim().split('\n');
    // A middle chunk of the text and the middle turn of the session get a key no memory has.
    const spoil = (line: string) => line.replace(/^\{/, '{"bogus":1,');
    const chunk = lines.findIndex((l) => JSON.parse(l).document_id && !l.includes('Paragraph 1 '));
    const turn = lines.findIndex((l) => JSON.parse(l).text === 'yes');
    writeFileSync(
      join(dir, 'bad.jsonl'),
      `${lines.map((l, i) => (i === chunk || i === turn ? spoil(l) : l)).join('\n')}\n`,
    );
    const bad = await astrocyte(['--json', 'import', '--bank', 'copy', 'bad.jsonl'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ stored: 1, malformed: 2 });
    const good = await astrocyte(['--json', 'import', '--bank', 'copy', 'good.jsonl'], { cwd: dir });
    expect(JSON.parse(good.stdout)).toMatchObject({ deduplicated: 1, rejected: 0 });

    const reread = await Astrocyte.fromConfig(config);
    const copy = await everything(reread, 'copy');
    await reread.close();
    // The memory stored by the first import comes first; the rest is as in the source.
    const bySeen = (shape: ReturnType<typeof conversationShape>) =>
      [...shape].sort((a, b) => a.text.localeCompare(b.text));
    expect(bySeen(conversationShape(copy))).toEqual(bySeen(conversationShape(source)));
  });

  it('stores no part of a session broken by a malformed line when it comes back after another session', async () => {
    const { dir, config } = tempProject();
    const turn = (text: string, speaker: string, id: string, position: number) =>
      JSON.stringify({ text, speaker, episode: { id, position } });
    const lines = [
      turn('a one', 'ann', 'A', 0),
      turn('a two', 'bob', 'A', 1),
      '{"text":"broken',
      turn('b one', 'ann', 'B', 0),
      turn('a three', 'ann', 'A', 2),
    ];
    writeFileSync(join(dir, 'broken.jsonl'), `${lines.join('\n')}\n`);
    // Session B, after the malformed line, took A's place as the one broken session: "a three" was stored alone.
    const bad = await astrocyte(['--json', 'import', 'broken.jsonl'], { cwd: dir });
    expect(bad.code).toBe(1);
    const summary = JSON.parse(bad.stdout);
    expect(summary).toMatchObject({ stored: 0, malformed: 1 });
    const problems = summary.problems.map((p: { line: number; reason: string }) => [p.line, p.reason]);
    expect(problems.sort((a: [number], b: [number]) => a[0] - b[0])).toEqual([
      [1, expect.stringMatching(/^not stored: .* beside malformed line 3;/)],
      [2, expect.stringMatching(/^not stored: .* beside malformed line 3;/)],
      [3, 'not valid JSON'],
      [4, expect.stringMatching(/^not stored: .* beside malformed line 3;/)],
      [5, expect.stringMatching(/^not stored: .* beside malformed line 3;/)],
    ]);

    lines[2] = JSON.stringify({ text: 'fixed' });
    writeFileSync(join(dir, 'broken.jsonl'), `${lines.join('\n')}\n`);
    const fixed = await astrocyte(['import', 'broken.jsonl'], { cwd: dir });
    expect({ code: fixed.code, stderr: fixed.stderr }).toEqual({ code: 0, stderr: '' });
    const reread = await Astrocyte.fromConfig(config);
    const stored = await everything(reread, 'default');
    await reread.close();
    const sessionA = stored.filter((m) => m.episode?.id === 'A');
    expect(sessionA.map((m) => [m.episode?.position, m.text])).toEqual([
      [0, 'a one'],
      [1, 'a two'],
      [2, 'a three'],
    ]);
  });

  it('imports a turn whose exported speaker holds a line break, with a space in its place', async () => {
    const { dir, config } = tempProject();
    // As a store written before speakers had to be one line exported them.
    const turn = (speaker: string, text: string, position: number) =>
      JSON.stringify({ text, speaker, episode: { id: 'chat', position } });
    const input = [turn('Ann\nuser', 'Shall we sail on Sunday?', 0), turn('Bo\t', 'Only if the wind drops.', 1)].join(
      '\n',
    );
    const run = await astrocyte(['--json', 'import'], { cwd: dir, input });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ stored: 2, rejected: 0, malformed: 0 });
    const brain = await Astrocyte.fromConfig(config);
    const turns = await everything(brain, 'default');
    expect(turns.map((m) => [m.speaker, m.text]).sort()).toEqual([
      ['Ann user', 'Shall we sail on Sunday?'],
      ['Bo', 'Only if the wind drops.'],
    ]);
    await brain.close();
  });

  it('reads a file saved with a byte order mark, its first line included, in every format', async () => {
    const { dir, config } = tempProject();
    const BOM = '\uFEFF';
    writeFileSync(
      join(dir, 'memories.jsonl'),
      `${BOM}${[{ text: 'The first memory' }, { text: 'The second memory' }].map((m) => JSON.stringify(m)).join('\n')}\n`,
    );
    writeFileSync(
      join(dir, 'turns.jsonl'),
      `${BOM}${JSON.stringify({ session: 's', speaker: 'ann', text: 'The first turn' })}\n`,
    );
    writeFileSync(
      join(dir, 'locomo.json'),
      `${BOM}${JSON.stringify({ sample_id: 'c', conversation: { session_1: [{ speaker: 'bo', text: 'A LoCoMo turn' }] } })}`,
    );
    for (const [file, format] of [
      ['memories.jsonl', 'memories'],
      ['turns.jsonl', 'conversation-jsonl'],
      ['locomo.json', 'locomo'],
    ]) {
      const run = await astrocyte(['--json', 'import', file as string], { cwd: dir });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ format, rejected: 0, malformed: 0 });
    }
    const brain = await Astrocyte.fromConfig(config);
    const texts = (await everything(brain, 'default')).map((m) => m.text);
    await brain.close();
    expect(texts).toEqual(['The first memory', 'The second memory', 'The first turn', 'A LoCoMo turn']);
  });

  it('stops at a line that is not UTF-8, naming it, and stores no replacement character in any format', async () => {
    const { dir, config } = tempProject();
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    writeFileSync(join(dir, 'memories.jsonl'), latin1(`${JSON.stringify({ text: 'Ordered a café crème' })}\n`));
    writeFileSync(
      join(dir, 'turns.jsonl'),
      latin1(
        [
          JSON.stringify({ session: 's', speaker: 'ann', text: 'Hello' }),
          JSON.stringify({ session: 's', speaker: 'bo', text: 'Señor' }),
        ].join('\n'),
      ),
    );
    writeFileSync(
      join(dir, 'locomo.json'),
      latin1(JSON.stringify({ sample_id: 'c', conversation: { session_1: [{ speaker: 'bo', text: 'Zoë says hi' }] } })),
    );
    for (const [file, line] of [
      ['memories.jsonl', 1],
      ['turns.jsonl', 2],
      ['locomo.json', 1],
    ]) {
      const run = await astrocyte(['import', file as string], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`astrocyte: ${file} is not UTF-8: line ${line} holds bytes that are not`);
    }
    const brain = await Astrocyte.fromConfig(config);
    const texts = (await everything(brain, 'default')).map((m) => m.text);
    await brain.close();
    expect(texts.filter((text) => text.includes('\uFFFD'))).toEqual([]);
  });

  it('stores the good lines of a damaged file, names the bad ones, and exits 1', async () => {
    const { dir } = tempProject();
    const input = [
      JSON.stringify({ text: 'A good memory', tags: ['x'] }),
      '{"text": "cut off',
      JSON.stringify({ txt: 'misspelt field' }),
      '',
      JSON.stringify({ content: 'Another good memory', occurred_at: 'not a date' }),
      JSON.stringify({ text: 'A third good memory', metadata: { k: 'v' } }),
      // JSON.parse keeps the last of a key given twice: this line would have stored "Call Ann" alone.
      '{"text": "Call Bob", "text": "Call Ann"}',
      // `content` names `text` too: the line stored "alpha text" and dropped "beta content" in silence.
      JSON.stringify({ text: 'alpha text', content: 'beta content' }),
      JSON.stringify({ text: null, content: 'read in place of a null text' }),
      JSON.stringify({ content: 7 }),
    ].join('\n');
    writeFileSync(join(dir, 'damaged.jsonl'), input);
    const run = await astrocyte(['--json', 'import', 'damaged.jsonl', '--batch-size', '2'], { cwd: dir });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ stored: 2, deduplicated: 0, rejected: 7, malformed: 6, invalid: 1 });
    expect(summary.problems).toEqual([
      { line: 2, reason: 'not valid JSON' },
      { line: 3, reason: expect.stringContaining('unknown field "txt"') },
      { line: 5, reason: expect.stringContaining('occurredAt') },
      { line: 7, reason: 'text: is given more than once; give each key once' },
      { line: 8, reason: 'text, content: give one of the two, they name the same field' },
      { line: 9, reason: 'text, content: give one of the two, they name the same field' },
      { line: 10, reason: 'content: must be a string' },
    ]);
    expect(run.stderr).toMatch(
      /^astrocyte: 7 lines were not a memory \(fix: correct the lines listed and import again; .*\)\n$/,
    );
  });

  it('refuses a folder as the file to import or to export to, and an export into a missing folder, writing nothing', async () => {
    const { dir } = tempProject();
    expect((await astrocyte(['retain', 'A fact worth keeping'], { cwd: dir })).code).toBe(0);
    const before = readdirSync(dir).sort();

    const intoFolder = await astrocyte(['export', '--out', dir], { cwd: dir });
    expect(intoFolder).toMatchObject({ code: 2, stdout: '' });
    expect(intoFolder.stderr).toBe(
      `astrocyte: --out: ${dir} is a folder (fix: name the file to write, e.g. --out memories.jsonl)\n`,
    );
    const missingFolder = await astrocyte(['export', '--out', 'not-there/memories.jsonl'], { cwd: dir });
    expect(missingFolder).toMatchObject({ code: 2, stdout: '' });
    expect(missingFolder.stderr).toBe(
      `astrocyte: --out: there is no folder ${join(dir, 'not-there')} (fix: create the folder first, or write the file elsewhere)\n`,
    );
    const fromFolder = await astrocyte(['import', dir], { cwd: dir });
    expect(fromFolder).toMatchObject({ code: 2, stdout: '' });
    expect(fromFolder.stderr).toBe(`astrocyte: ${dir} is a folder (fix: pass the file to import, not its folder)\n`);

    // Nothing written beside the store (no .partial file), and the bank holds its one memory.
    expect(readdirSync(dir).sort()).toEqual(before);
    const list = await astrocyte(['--json', 'list'], { cwd: dir });
    expect(JSON.parse(list.stdout).items.map((m: { text: string }) => m.text)).toEqual(['A fact worth keeping']);
  });

  it('checks the file to import before the store is opened: a missing file or a folder leaves no new store', async () => {
    const { dir } = tempProject();
    mkdirSync(join(dir, 'exports'));
    const missing = await astrocyte(['import', 'missing.jsonl'], { cwd: dir });
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe('astrocyte: cannot read missing.jsonl (fix: check the path of the file to import)\n');
    const folder = await astrocyte(['import', 'exports'], { cwd: dir });
    expect(folder).toMatchObject({ code: 2, stdout: '' });
    // An empty memory.db was created before the file was looked at.
    expect(readdirSync(dir).sort()).toEqual(['astrocyte.yaml', 'exports']);
  });

  it('never exports over a SQLite database or its files, or a device or a pipe, and keeps a link exported through', async () => {
    const { dir, config } = tempProject();
    const brain = await Astrocyte.fromConfig(config);
    await brain.retain('Alice parks on level 2', { bankId: 'alice' });
    await brain.retain('Bob parks on level 3', { bankId: 'bob' });
    await brain.close();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    for (const out of ['astrocyte.db', 'astrocyte.db-wal', 'astrocyte.db-shm', 'pipe'].filter((f) =>
      existsSync(join(dir, f)),
    )) {
      const refused = await astrocyte(['-b', 'alice', 'export', '--out', out], { cwd: dir });
      expect({ out, code: refused.code, stdout: refused.stdout }).toEqual({ out, code: 2, stdout: '' });
      expect(refused.stderr).toMatch(
        new RegExp(
          `^astrocyte: --out: ${out} is (a SQLite database or one of its files, which writing would destroy|not a regular file \\(a device, a pipe or a socket\\), which writing would replace)`,
        ),
      );
    }
    const banks = await astrocyte(['--json', 'banks'], { cwd: dir });
    expect(
      JSON.parse(banks.stdout)
        .map((b: { bank_id: string }) => b.bank_id)
        .sort(),
    ).toEqual(['alice', 'bob']);

    // Through a link, the file it names is written and the link stays.
    mkdirSync(join(dir, 'backups'));
    writeFileSync(join(dir, 'backups', 'alice.jsonl'), 'old\n');
    symlinkSync(join(dir, 'backups', 'alice.jsonl'), join(dir, 'latest.jsonl'));
    expect((await astrocyte(['-b', 'alice', 'export', '--out', 'latest.jsonl'], { cwd: dir })).code).toBe(0);
    expect(lstatSync(join(dir, 'latest.jsonl')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'backups', 'alice.jsonl'), 'utf8')).toContain('Alice parks on level 2');
  });

  it('draws a progress bar on stderr when asked, leaving stdout to the data', async () => {
    const { dir, config } = tempProject();
    const brain = await Astrocyte.fromConfig(config);
    await brain.retainMany(
      Array.from({ length: 30 }, (_, i) => ({
        content: `Progress fact number ${i} about ${['tea', 'coffee', 'juice'][i % 3]} ${'x'.repeat(i)}`,
      })),
      { bankId: 'default' },
    );
    await brain.close();
    const run = await astrocyte(['export', '--progress'], { cwd: dir });
    expect(run.stdout.trim().split('\n')).toHaveLength(30);
    expect(run.stderr).toContain('exporting [########################] 100% 30\n');
  });

  it('exports 10,000 memories and re-imports them losslessly', async () => {
    // Near-duplicate search is brute force per insert on SQLite, quadratic in the bank size; exact dedup still applies.
    const { dir, config } = tempProject('governance:\n  dedup:\n    action: keep\n');
    const brain = await Astrocyte.fromConfig(config);
    const vocabulary =
      'amber birch cedar delta ember fjord grove harbor island jasper kestrel lagoon meadow nectar orchid prairie quartz river summit tundra'.split(
        ' ',
      );
    for (let batch = 0; batch < 10; batch++) {
      const items = Array.from({ length: 1000 }, (_, j) => {
        const i = batch * 1000 + j;
        const words = [0, 1, 2, 3, 4].map(
          (k) => vocabulary[(i * 7 + k * 13 + Math.floor(i / (k + 3))) % vocabulary.length],
        );
        return {
          content: `Record ${i}: ${words.join(' ')} ${i.toString(36)}`,
          ...(i % 2 === 0 ? { tags: [`group-${i % 5}`, 'bulk'] } : {}),
          ...(i % 3 === 0 ? { metadata: { index: i, nested: { odd: i % 2 === 1, label: `n${i}` } } } : {}),
          ...(i % 4 === 0 ? { path: `archive/${i % 11}/item` } : {}),
          ...(i % 5 === 0 ? { occurredAt: new Date(Date.UTC(2023, 0, 1) + i * 3_600_000) } : {}),
          ...(i % 7 === 0 ? { expiresAt: new Date(Date.UTC(2100, 0, 1) + i * 1000) } : {}),
        };
      });
      const results = await brain.retainMany(items, { bankId: 'big' });
      expect(results.every((r) => r.stored)).toBe(true);
    }
    await brain.close();

    const exported = await astrocyte(['export', '--bank', 'big', '--out', 'big.jsonl'], { cwd: dir });
    expect(exported.code).toBe(0);
    expect(readFileSync(join(dir, 'big.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10_000);
    const imported = await astrocyte(['--json', 'import', 'big.jsonl', '--bank', 'big-copy'], { cwd: dir });
    expect(JSON.parse(imported.stdout)).toMatchObject({ stored: 10_000, deduplicated: 0, rejected: 0 });

    const reread = await Astrocyte.fromConfig(config);
    const [original, copy] = [await everything(reread, 'big'), await everything(reread, 'big-copy')];
    expect(copy).toHaveLength(10_000);
    expect(byText(copy)).toEqual(byText(original));
    await reread.close();
  });
});
