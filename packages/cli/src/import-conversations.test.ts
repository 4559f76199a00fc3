import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Astrocyte, type Memory } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { astrocyte, everything, tempProject } from './cli-process.fixture.js';

// A LoCoMo-style file as the public release shapes it: a list of samples, session_N turn lists with their
// session_N_date_time, a turn sharing a photo, and the parts that are not conversation (qa, summaries).
const LOCOMO = [
  {
    sample_id: 'conv-7',
    conversation: {
      speaker_a: 'Ann',
      speaker_b: 'Bo',
      session_2_date_time: '7:05 pm on 12 June, 2023',
      session_2: [
        { speaker: 'Bo', dia_id: 'D2:1', text: 'Did the pottery class start?' },
        { speaker: 'Ann', dia_id: 'D2:2', text: 'Yes, I made a blue bowl on Monday.' },
      ],
      session_1_date_time: '1:56 pm on 8 May, 2023',
      session_1: [
        { speaker: 'Ann', dia_id: 'D1:1', text: 'I signed up for a pottery class!' },
        {
          speaker: 'Bo',
          dia_id: 'D1:2',
          text: 'Nice, look at my new bike.',
          img_url: ['https://example.org/bike.jpg'],
          blip_caption: 'a photo of a red bicycle',
        },
        { speaker: 'Ann', dia_id: 'D1:3', text: 'Red suits you.' },
      ],
    },
    qa: [{ question: 'What did Ann make?', answer: 'a blue bowl', evidence: ['D2:2'], category: 4 }],
    session_summary: { session_1_summary: 'Ann starts pottery.' },
  },
  {
    sample_id: 'conv-8',
    conversation: {
      session_1_date_time: '9:00 am on 1 March, 2024',
      session_1: [{ speaker: 'Cy', dia_id: 'D1:1', text: 'My flight to Lima leaves at noon.' }],
    },
  },
];

// What a test reads of a stored turn: the bank's list order is storage order.
const turnView = (m: Memory) => ({
  session: m.episode?.id,
  position: m.episode?.position,
  speaker: m.speaker,
  text: m.text,
  occurredAt: m.occurredAt?.toISOString(),
  metadata: m.metadata,
});

async function bankContents(config: string, bankId: string): Promise<Memory[]> {
  const brain = await Astrocyte.fromConfig(config);
  try {
    return await everything(brain, bankId);
  } finally {
    await brain.close();
  }
}

describe('import of conversations', { timeout: 120_000 }, () => {
  it('reads a LoCoMo file (told from its content): one episode per session, in session order, dated, with speakers and dia_ids', async () => {
    const { dir, config } = tempProject();
    // Pretty-printed, as the release is: the first line is "[".
    writeFileSync(join(dir, 'locomo.json'), JSON.stringify(LOCOMO, null, 2));
    const run = await astrocyte(['import', 'locomo.json', '--bank', 'dialogs'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'imported locomo.json as LoCoMo conversations into bank dialogs: 6 stored, 0 deduplicated, 0 rejected\n',
    );

    const turns = (await bankContents(config, 'dialogs')).map(turnView);
    expect(turns).toEqual([
      {
        session: 'conv-7/session_1',
        position: 0,
        speaker: 'Ann',
        text: 'I signed up for a pottery class!',
        occurredAt: '2023-05-08T13:56:00.000Z',
        metadata: { dia_id: 'D1:1' },
      },
      {
        session: 'conv-7/session_1',
        position: 1,
        speaker: 'Bo',
        text: 'Nice, look at my new bike.',
        occurredAt: '2023-05-08T13:56:00.000Z',
        metadata: {
          dia_id: 'D1:2',
          img_url: ['https://example.org/bike.jpg'],
          blip_caption: 'a photo of a red bicycle',
        },
      },
      {
        session: 'conv-7/session_1',
        position: 2,
        speaker: 'Ann',
        text: 'Red suits you.',
        occurredAt: '2023-05-08T13:56:00.000Z',
        metadata: { dia_id: 'D1:3' },
      },
      {
        session: 'conv-7/session_2',
        position: 0,
        speaker: 'Bo',
        text: 'Did the pottery class start?',
        occurredAt: '2023-06-12T19:05:00.000Z',
        metadata: { dia_id: 'D2:1' },
      },
      {
        session: 'conv-7/session_2',
        position: 1,
        speaker: 'Ann',
        text: 'Yes, I made a blue bowl on Monday.',
        occurredAt: '2023-06-12T19:05:00.000Z',
        metadata: { dia_id: 'D2:2' },
      },
      {
        session: 'conv-8/session_1',
        position: 0,
        speaker: 'Cy',
        text: 'My flight to Lima leaves at noon.',
        occurredAt: '2024-03-01T09:00:00.000Z',
        metadata: { dia_id: 'D1:1' },
      },
    ]);

    // One sample on its own is read too, and a session imported again is deduplicated, not stored twice.
    writeFileSync(join(dir, 'one.json'), JSON.stringify(LOCOMO[0]));
    const again = await astrocyte(['--json', 'import', 'one.json', '--bank', 'dialogs', '--progress'], { cwd: dir });
    expect(JSON.parse(again.stdout)).toMatchObject({ format: 'locomo', stored: 0, deduplicated: 5, rejected: 0 });
    // The bar redraws at most every 100 ms, so what comes before its final state depends on the machine's speed.
    expect(again.stderr).toMatch(/importing \[#{24}\] 100% 5\n$/);
    expect(await bankContents(config, 'dialogs')).toHaveLength(6);
  });

  it('reads conversation JSON Lines: consecutive lines of a session in one episode, `at` as the turn time, a resumed session appended', async () => {
    const { dir, config } = tempProject();
    const lines = [
      {
        session: 'support-1',
        speaker: 'user',
        text: 'My invoice shows the wrong VAT number.',
        at: '2024-04-02T10:00:00Z',
      },
      {
        session: 'support-1',
        speaker: 'agent',
        text: 'I have corrected it on invoice 2291.',
        at: '2024-04-02T10:01:00Z',
      },
      { session: 'support-2', speaker: 'user', text: 'Can I pay by bank transfer?' },
      { session: 'support-1', speaker: 'user', text: 'Thanks, the new invoice is right.', at: '2024-04-03T08:00:00Z' },
    ];
    writeFileSync(join(dir, 'turns.jsonl'), `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const run = await astrocyte(['import', 'turns.jsonl', '--bank', 'support'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      'imported turns.jsonl as conversation turns into bank support: 4 stored, 0 deduplicated, 0 rejected\n',
    );
    const turns = (await bankContents(config, 'support')).map(turnView);
    expect(
      turns.map(({ session, position, speaker, text, occurredAt }) => ({
        session,
        position,
        speaker,
        text,
        occurredAt,
      })),
    ).toEqual([
      {
        session: 'support-1',
        position: 0,
        speaker: 'user',
        text: 'My invoice shows the wrong VAT number.',
        occurredAt: '2024-04-02T10:00:00.000Z',
      },
      {
        session: 'support-1',
        position: 1,
        speaker: 'agent',
        text: 'I have corrected it on invoice 2291.',
        occurredAt: '2024-04-02T10:01:00.000Z',
      },
      {
        session: 'support-2',
        position: 0,
        speaker: 'user',
        text: 'Can I pay by bank transfer?',
        occurredAt: undefined,
      },
      {
        session: 'support-1',
        position: 2,
        speaker: 'user',
        text: 'Thanks, the new invoice is right.',
        occurredAt: '2024-04-03T08:00:00.000Z',
      },
    ]);

    // The speaker is part of what recall and list show.
    const recall = await astrocyte(['recall', '--bank', 'support', 'VAT number invoice'], { cwd: dir });
    expect(recall.stdout).toContain('user: My invoice shows the wrong VAT number.');
  });

  it('stores nothing from a conversation file with a malformed line or a missing speaker, and names each line and field', async () => {
    const { dir, config } = tempProject();
    const input = [
      JSON.stringify({ session: 's', speaker: 'ann', text: 'First turn' }),
      '{"session": "s", "speaker": "bo", "text": "cut off',
      JSON.stringify({ session: 's', text: 'Who said this?' }),
      JSON.stringify({ session: 's', speaker: 'ann', text: 'Then', at: 'yesterday' }),
      // JavaScript's Date reads this as 2 March; retain refuses it, and so does the import.
      JSON.stringify({ session: 's', speaker: 'ann', text: 'And then', at: '2025-02-30' }),
      '{"session": "s", "speaker": "ann", "speaker": "bo", "text": "Whose turn?"}',
      JSON.stringify({ session: 's', speaker: 'bo', text: 'Last turn' }),
    ].join('\n');
    const run = await astrocyte(['--json', 'import', '--format', 'conversation-jsonl', '--bank', 'b'], {
      cwd: dir,
      input,
    });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ format: 'conversation-jsonl', stored: 0, malformed: 5, rejected: 5 });
    expect(summary.problems).toEqual([
      { line: 2, reason: 'not valid JSON' },
      { line: 3, reason: 'speaker: missing' },
      { line: 4, reason: expect.stringMatching(/^at: must be an ISO 8601 date .*"yesterday"/) },
      { line: 5, reason: expect.stringMatching(/^at: must be an ISO 8601 date .*"2025-02-30"/) },
      { line: 6, reason: 'speaker: is given more than once; give each key once' },
    ]);
    expect(run.stderr).toMatch(
      /^astrocyte: 5 turns or fields are malformed, so nothing was imported: a session is stored whole, in order \(fix: correct what is listed and import again\)\n$/,
    );
    expect(await bankContents(config, 'b')).toEqual([]);
  });

  it('refuses a date-time without its offset in either format, naming it: another TZ read it as another time', async () => {
    const { dir, config } = tempProject();
    const lines = (at: string) =>
      [
        JSON.stringify({ session: 'tz1', speaker: 'ann', text: 'Shall we move the launch to May?', at: '2024-05-08' }),
        JSON.stringify({ session: 'tz1', speaker: 'bob', text: 'Yes, May works.', at }),
      ].join('\n');
    const locomo = (date: string) => [
      { sample_id: 'tz', conversation: { session_1_date_time: date, session_1: [{ speaker: 'Ann', text: 'Hi' }] } },
    ];
    writeFileSync(join(dir, 'tz.jsonl'), lines('2024-05-08T13:57:00'));
    writeFileSync(join(dir, 'tz.json'), JSON.stringify(locomo('2023-05-08T13:56')));
    const jsonl = await astrocyte(['--json', 'import', 'tz.jsonl'], { cwd: dir, env: { TZ: 'America/New_York' } });
    expect(jsonl.code).toBe(1);
    expect(JSON.parse(jsonl.stdout)).toMatchObject({
      stored: 0,
      malformed: 1,
      problems: [
        {
          line: 2,
          reason:
            'at: must give its offset, Z or ±hh:mm, got "2024-05-08T13:57:00": read in the time zone of the machine importing it, the same file would store other times elsewhere',
        },
      ],
    });
    const sample = await astrocyte(['--json', 'import', 'tz.json'], { cwd: dir, env: { TZ: 'America/New_York' } });
    expect(sample.code).toBe(1);
    expect(JSON.parse(sample.stdout).problems).toEqual([
      {
        sample: 'tz',
        field: 'conversation.session_1_date_time',
        reason: expect.stringMatching(/^must give its offset, Z or ±hh:mm, got "2023-05-08T13:56"/),
      },
    ]);
    expect(await bankContents(config, 'default')).toEqual([]);

    // With its offset, the file stores the same instants under any TZ, and once; a date alone is midnight UTC.
    writeFileSync(join(dir, 'tz.jsonl'), lines('2024-05-08T15:57:00+02:00'));
    writeFileSync(join(dir, 'tz.json'), JSON.stringify(locomo('2023-05-08T13:56Z')));
    for (const TZ of ['UTC', 'America/New_York']) {
      for (const file of ['tz.jsonl', 'tz.json'])
        expect((await astrocyte(['import', file], { cwd: dir, env: { TZ } })).code).toBe(0);
    }
    expect((await bankContents(config, 'default')).map((m) => m.occurredAt?.toISOString())).toEqual([
      '2024-05-08T00:00:00.000Z',
      '2024-05-08T13:57:00.000Z',
      '2023-05-08T13:56:00.000Z',
    ]);
  });

  it('names the sample and the field of what is wrong in a LoCoMo file, and stores none of it', async () => {
    const { dir, config } = tempProject();
    const broken = structuredClone(LOCOMO);
    const conversation = (broken[0] as { conversation: Record<string, unknown> }).conversation;
    delete (conversation.session_2 as Record<string, unknown>[])[1]?.speaker;
    conversation.session_1_date_time = 'the day after';
    conversation.session_2_date_time = '2023-02-30';
    delete (broken[1] as { sample_id?: string }).sample_id;
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
    const run = await astrocyte(['import', 'broken.json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      'imported broken.json as LoCoMo conversations into bank default: 0 stored, 0 deduplicated, 4 rejected\n',
    );
    expect(run.stderr.split('\n').slice(0, 4)).toEqual([
      '  sample conv-7, conversation.session_1_date_time: cannot be read as a date: "the day after"; expected e.g. "1:56 pm on 8 May, 2023" or an ISO 8601 date',
      '  sample conv-7, conversation.session_2_date_time: cannot be read as a date: "2023-02-30"; expected e.g. "1:56 pm on 8 May, 2023" or an ISO 8601 date',
      '  sample conv-7, conversation.session_2[1].speaker: missing',
      '  sample #2, sample_id: missing; it names the sessions, <sample_id>/session_N',
    ]);
    expect(run.stderr).toContain('astrocyte: 4 turns or fields are malformed, so nothing was imported');
    expect(await bankContents(config, 'default')).toEqual([]);

    // A turn with its speaker twice: JSON.parse would have kept "Bo" in silence.
    writeFileSync(
      join(dir, 'twice.json'),
      JSON.stringify(LOCOMO).replace('"speaker":"Ann"', '"speaker":"Ann","speaker":"Bo"'),
    );
    const twice = await astrocyte(['--json', 'import', 'twice.json'], { cwd: dir });
    expect(twice.code).toBe(1);
    expect(JSON.parse(twice.stdout).problems).toEqual([
      {
        sample: 'conv-7',
        field: 'conversation.session_2[1].speaker',
        reason: 'is given more than once; give each key once',
      },
    ]);
    expect(await bankContents(config, 'default')).toEqual([]);

    writeFileSync(join(dir, 'cut.json'), JSON.stringify(LOCOMO, null, 2).slice(0, 200));
    const cut = await astrocyte(['--json', 'import', 'cut.json', '--format', 'locomo'], { cwd: dir });
    expect(cut.code).toBe(1);
    expect(JSON.parse(cut.stdout).problems).toEqual([
      { line: expect.any(Number), reason: expect.stringMatching(/^not valid JSON: /) },
    ]);
  });

  it('reads each LoCoMo session by the key the file gives it, and refuses two keys for one session number', async () => {
    const { dir, config } = tempProject();
    // session_1 was read twice (the second time deduplicated) and session_01 never, exit 0.
    const both = {
      sample_id: 'x',
      conversation: {
        session_1: [{ speaker: 'A', text: 'first' }],
        session_01: [{ speaker: 'B', text: 'zero-padded' }],
      },
    };
    writeFileSync(join(dir, 'both.json'), JSON.stringify(both));
    const twins = await astrocyte(['--json', 'import', 'both.json'], { cwd: dir });
    expect(twins.code).toBe(1);
    expect(JSON.parse(twins.stdout).problems).toEqual([
      {
        sample: 'x',
        field: 'conversation.session_1',
        reason: 'names session 1, as conversation.session_01 does; give each session one key',
      },
    ]);
    expect(await bankContents(config, 'default')).toEqual([]);

    // Alone, a zero-padded key is read as it is spelt, its date and any problem under that key.
    const padded = {
      sample_id: 'x',
      conversation: {
        session_02: [{ speaker: 'B', text: 'later' }],
        session_02_date_time: '2023-05-09',
        session_01: [{ speaker: 'A', text: 'earlier' }],
        session_01_date_time: '2023-05-08',
      },
    };
    writeFileSync(join(dir, 'padded.json'), JSON.stringify(padded));
    const run = await astrocyte(['import', 'padded.json'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await bankContents(config, 'default')).map(turnView)).toEqual([
      expect.objectContaining({ session: 'x/session_01', text: 'earlier', occurredAt: '2023-05-08T00:00:00.000Z' }),
      expect.objectContaining({ session: 'x/session_02', text: 'later', occurredAt: '2023-05-09T00:00:00.000Z' }),
    ]);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ sample_id: 'y', conversation: { session_01: 'hello' } }));
    const bad = await astrocyte(['--json', 'import', 'bad.json', '--format', 'locomo'], { cwd: dir });
    expect(JSON.parse(bad.stdout).problems).toEqual([
      { sample: 'y', field: 'conversation.session_01', reason: 'must be a list of turns, got "hello"' },
    ]);
  });

  it('reads a LoCoMo sample whose first key shares its opening line as memories, and says --format locomo reads it', async () => {
    const { dir, config } = tempProject();
    writeFileSync(join(dir, 'sample.json'), JSON.stringify(LOCOMO[0], null, 2).replace('{\n  ', '{ '));
    const guessed = await astrocyte(['import', 'sample.json'], { cwd: dir });
    expect(guessed.code).toBe(1);
    expect(guessed.stderr).toContain(
      '(fix: the file was read as memories, one JSON object a line; if it is one JSON document (a LoCoMo sample), import it with --format locomo)',
    );
    expect(await bankContents(config, 'default')).toEqual([]);
    const told = await astrocyte(['import', 'sample.json', '--format', 'locomo'], { cwd: dir });
    expect(told.code).toBe(0);
    expect((await bankContents(config, 'default')).length).toBeGreaterThan(0);
  });

  it('stores the other turns of a turn retain refuses as invalid, names it, and exits 1', async () => {
    const { dir, config } = tempProject();
    const oversized = structuredClone(LOCOMO);
    const session = (oversized[0] as { conversation: Record<string, unknown> }).conversation.session_1 as Record<
      string,
      unknown
    >[];
    // Its extra fields become its metadata, over the 16 KB limit: only retain can tell.
    (session[1] as Record<string, unknown>).blip_caption = 'a photo '.repeat(3000);
    writeFileSync(join(dir, 'big.json'), JSON.stringify(oversized));
    const run = await astrocyte(['--json', 'import', 'big.json'], { cwd: dir });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ stored: 5, rejected: 1, malformed: 0, invalid: 1 });
    expect(summary.problems).toEqual([
      {
        sample: 'conv-7',
        field: 'conversation.session_1[1]',
        reason: expect.stringMatching(/^metadata: is \d+ bytes/),
      },
    ]);
    expect(run.stderr).toMatch(/^astrocyte: 1 turn was refused as invalid input; the other turns are stored \(fix: /);
    expect((await bankContents(config, 'default')).map((m) => m.text)).not.toContain('Nice, look at my new bike.');
  });

  it('stores a session in one call whatever --batch-size, so a "yes" said twice is two turns, around a refused turn', async () => {
    const { dir, config } = tempProject('limits:\n  max_content_length: 200\n');
    const lines = [
      { session: 'trip', speaker: 'agent', text: 'Book the 9am flight?' },
      { session: 'trip', speaker: 'user', text: 'yes' },
      { session: 'trip', speaker: 'agent', text: 'And a hotel near the venue?' },
      { session: 'trip', speaker: 'user', text: 'yes' },
      { session: 'trip', speaker: 'user', text: 'and '.repeat(100) },
      { session: 'trip', speaker: 'agent', text: 'Booked both.' },
    ];
    writeFileSync(join(dir, 'trip.jsonl'), lines.map((line) => JSON.stringify(line)).join('\n'));
    const run = await astrocyte(['--json', 'import', '--batch-size', '2', 'trip.jsonl'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ stored: 5, deduplicated: 0, rejected: 1, invalid: 1 });
    const kept = lines.filter((_, i) => i !== 4).map(({ speaker, text }) => [speaker, text]);
    expect((await bankContents(config, 'default')).map((m) => [m.speaker, m.text])).toEqual(kept);
    const again = await astrocyte(['--json', 'import', '--batch-size', '2', 'trip.jsonl'], { cwd: dir });
    expect(JSON.parse(again.stdout)).toMatchObject({ stored: 0, deduplicated: 5, rejected: 1 });
    expect(await bankContents(config, 'default')).toHaveLength(5);
  });

  it('keeps a turn said again in a later call of its session, as when the session comes back after another', async () => {
    const { dir, config } = tempProject();
    const lines = [
      { session: 'cafe', speaker: 'agent', text: 'Coffee?' },
      { session: 'cafe', speaker: 'user', text: 'yes' },
      { session: 'desk', speaker: 'user', text: 'hi' },
      { session: 'cafe', speaker: 'agent', text: 'Cake?' },
      { session: 'cafe', speaker: 'user', text: 'yes' },
    ];
    writeFileSync(join(dir, 'turns.jsonl'), lines.map((line) => JSON.stringify(line)).join('\n'));
    const run = await astrocyte(['--json', 'import', 'turns.jsonl'], { cwd: dir });
    expect(JSON.parse(run.stdout)).toMatchObject({ stored: lines.length, deduplicated: 0 });
    const stored = await bankContents(config, 'default');
    expect(stored.filter((m) => m.episode?.id === 'cafe').map((m) => m.text)).toEqual([
      'Coffee?',
      'yes',
      'Cake?',
      'yes',
    ]);
    // The same file again is the same conversation imported again.
    const again = await astrocyte(['--json', 'import', 'turns.jsonl'], { cwd: dir });
    expect(JSON.parse(again.stdout)).toMatchObject({ stored: 0, deduplicated: lines.length });
  });

  it('refuses an unknown --format, naming the ones there are', async () => {
    const { dir } = tempProject();
    const run = await astrocyte(['import', '--format', 'csv'], { cwd: dir, input: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('memories, conversation-jsonl, locomo');
  });
});
