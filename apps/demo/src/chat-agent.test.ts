import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDemo, openDemo } from './start-demo.js';
import type { TranscriptEvent } from './transcript.js';

// The whole offline path: official SDK -> emulator -> scripted agent -> runSessionTurn -> brain on SQLite.
describe('the offline chat agent', () => {
  let demo: OpenDemo;
  let dir: string;
  const bank = `chat-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'astrocyte-demo-chat-'));
    demo = await openDemo({ db: join(dir, 'chat.db'), offline: true });
  });
  afterAll(async () => {
    await demo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function turn(message: string): Promise<TranscriptEvent[]> {
    const events: TranscriptEvent[] = [];
    await demo.agent.turn(bank, message, (event) => events.push(event));
    return events;
  }

  it('reports each step of a turn in order: message, tool call, its result, the answer, the stored exchange', async () => {
    const events = await turn('Remember that my favourite colour is green');
    expect(events.map((e) => e.type)).toEqual(['user', 'tool_call', 'tool_result', 'agent', 'exchange_stored', 'done']);
    expect(events[1]).toMatchObject({ name: 'memory_retain', input: { content: 'My favourite colour is green' } });
    expect(events[2]).toMatchObject({ name: 'memory_retain', isError: false });
    expect(events[3]).toEqual({ type: 'agent', text: "Got it. I'll remember that your favourite colour is green." });
    expect(demo.agent.mode.label).toBe('Offline: scripted agent');

    // The fact the agent retained, then the exchange the app stored: a user turn and an agent turn, in order.
    const stored = events[4] as Extract<TranscriptEvent, { type: 'exchange_stored' }>;
    const memories = (await demo.brain.list(bank)).items;
    expect(memories.map((m) => [m.speaker ?? null, m.text, m.episode?.position ?? null])).toEqual([
      [null, 'My favourite colour is green', null],
      ['user', 'Remember that my favourite colour is green', 0],
      ['agent', "Got it. I'll remember that your favourite colour is green.", 1],
    ]);
    expect(memories.slice(1).map((m) => m.id)).toEqual(stored.memoryIds);
    expect(memories[1]?.episode?.id).toBe(stored.sessionId);

    // The next exchange of the chat continues the same session.
    await turn('What is my favourite colour?');
    const session = (await demo.brain.list(bank)).items.filter((m) => m.episode?.id === stored.sessionId);
    expect(session.map((m) => [m.speaker, m.episode?.position])).toEqual([
      ['user', 0],
      ['agent', 1],
      ['user', 2],
      ['agent', 3],
    ]);
    expect(session[3]?.text).toBe('From memory: Your favourite colour is green.');
  });

  it('says so when the exchange could not be stored, after the answer', async () => {
    const events = await turn('hello \uD800 there');
    expect(events.map((e) => e.type)).toEqual(['user', 'agent', 'error', 'done']);
    expect(events[2]).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/^this exchange was not stored in memory: .*surrogate/),
    });
  });

  it('answers "What should I avoid eating?" from the peanut allergy recall found, saying it comes from memory', async () => {
    const allergic = `allergy-${Math.random().toString(36).slice(2)}`;
    await demo.agent.turn(allergic, 'I am allergic to peanuts', () => {});
    const events: TranscriptEvent[] = [];
    await demo.agent.turn(allergic, 'What should I avoid eating?', (event) => events.push(event));
    const recalled = events.find((e) => e.type === 'tool_result') as { result: string };
    expect(JSON.parse(recalled.result).hits.map((h: { text: string }) => h.text)).toContain('I am allergic to peanuts');
    expect(events.find((e) => e.type === 'agent')).toEqual({
      type: 'agent',
      text:
        "Nothing in memory uses the words of your question. I'm a script and can't judge whether it answers you, " +
        'but this is what recall found closest in memory: You are allergic to peanuts.',
    });
  });

  it('still answers from the allergy once its own replies about it fill the first hits', async () => {
    const allergic = `allergy-${Math.random().toString(36).slice(2)}`;
    // Each reply quotes the allergy or the question, and is stored with the chat: they outrank the fact itself.
    for (const message of ['I am allergic to peanuts', 'What should I avoid eating?', 'What do you know about me?'])
      await demo.agent.turn(allergic, message, () => {});
    const events: TranscriptEvent[] = [];
    await demo.agent.turn(allergic, 'What should I avoid eating?', (event) => events.push(event));
    expect((events.find((e) => e.type === 'agent') as { text: string }).text).toMatch(/You are allergic to peanuts\.$/);
  });

  it('asked again what it knows, quotes each statement once, and none of its own earlier answer', async () => {
    const allergic = `allergy-${Math.random().toString(36).slice(2)}`;
    // The first answer, stored with the chat, is a memory of several lines that quotes the allergy under its number.
    for (const message of ['I am allergic to peanuts.', 'What do you know about me?'])
      await demo.agent.turn(allergic, message, () => {});
    const events: TranscriptEvent[] = [];
    await demo.agent.turn(allergic, 'What do you know about me?', (event) => events.push(event));
    const answer = (events.find((e) => e.type === 'agent') as { text: string }).text;
    expect(answer.match(/allergic to peanuts/g)).toHaveLength(1);
    expect(answer).not.toMatch(/\(\d{4}-\d{2}-\d{2}\) \(\d{4}-\d{2}-\d{2}\)/);
    expect(answer).not.toMatch(/Here is what memory holds.*Here is what memory holds/s);
  });

  it('asked what it knows after a few questions, answers with the fact, not the chat that repeats the question', async () => {
    const bank = `chatty-${Math.random().toString(36).slice(2)}`;
    // The README's walk-through, with questions asked again: the chat's own questions and replies then fill
    // reflect's sources for "what do you know about me", ahead of the fact.
    const said = [
      'I am allergic to peanuts and I live in Lisbon.',
      'What should I avoid eating?',
      'What do you know about me?',
      'What should I avoid eating?',
      'What should I avoid eating?',
    ];
    for (const message of said) await demo.agent.turn(bank, message, () => {});
    const events: TranscriptEvent[] = [];
    await demo.agent.turn(bank, 'What do you know about me?', (event) => events.push(event));
    const answer = (events.find((e) => e.type === 'agent') as { text: string }).text;
    expect(answer).toMatch(/allergic to peanuts and you live in Lisbon/);
    expect(answer).not.toMatch(/What do you know about me|Nothing in memory uses the words/);
  });

  it('reflects, and forgets a fact together with the conversation turns that said it', async () => {
    await turn('Remember that the office is in Leeds');
    const reflected = await turn('What do you know about me?');
    expect(reflected.find((e) => e.type === 'tool_call')).toMatchObject({ name: 'memory_reflect' });
    const reflection = reflected.find((e) => e.type === 'agent') as { text: string };
    expect(reflection.text).toContain('green');
    // Its own earlier replies ("Got it. I'll remember ...") only echo memory: they are left out.
    expect(reflection.text).not.toMatch(/\] agent: /);
    // The fact and the turn that told it say the same: quoted once.
    expect(reflection.text.match(/favourite colour is green/gi)).toHaveLength(1);
    // Nor are the user's questions, which say nothing about them.
    expect(reflection.text).not.toMatch(/\] user: What /);

    const before = (await demo.brain.list(bank)).items.length;
    const nothing = await turn('Forget my passport number');
    expect(nothing.filter((e) => e.type === 'tool_call').map((e) => (e as { name: string }).name)).toEqual([
      'memory_recall',
    ]);
    // Nothing forgotten; the exchange itself is stored like any other.
    expect((await demo.brain.list(bank)).items).toHaveLength(before + 2);

    const forgot = await turn('Forget my favourite colour');
    expect(forgot.filter((e) => e.type === 'tool_call').map((e) => (e as { name: string }).name)).toEqual([
      'memory_recall',
      'memory_forget',
    ]);
    expect(forgot.find((e) => e.type === 'agent')).toMatchObject({
      text: expect.stringMatching(/^Forgotten: "My favourite colour is green", and \d+ more memories that said it\.$/),
    });
    // A turn that forgot something is not written back, so nothing in the bank says the colour any more.
    expect(forgot.some((e) => e.type === 'exchange_stored')).toBe(false);
    const left = (await demo.brain.list(bank)).items.map((m) => m.text);
    expect(left.filter((text) => /favourite colour/i.test(text))).toEqual([]);
    expect(left).toContain('The office is in Leeds');
  });

  it('says what it can do when the message fits no pattern, without calling a tool', async () => {
    const events = await turn('hello');
    expect(events.some((e) => e.type === 'tool_call')).toBe(false);
    expect(events.find((e) => e.type === 'agent')).toMatchObject({ text: expect.stringContaining('scripted agent') });
  });
});
