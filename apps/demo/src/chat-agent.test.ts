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

  it('reports each step of a turn in order: message, tool call, its result, the answer', async () => {
    const events = await turn('Remember that my favourite colour is green');
    expect(events.map((e) => e.type)).toEqual(['user', 'tool_call', 'tool_result', 'agent', 'done']);
    expect(events[1]).toMatchObject({ name: 'memory_retain', input: { content: 'My favourite colour is green' } });
    expect(events[2]).toMatchObject({ name: 'memory_retain', isError: false });
    expect(events[3]).toEqual({ type: 'agent', text: "Got it. I'll remember that your favourite colour is green." });
    expect(demo.agent.mode.label).toBe('Offline: scripted agent');
  });

  it('reflects, and forgets only a memory that matches', async () => {
    await turn('Remember that the office is in Leeds');
    const reflected = await turn('What do you know about me?');
    expect(reflected.find((e) => e.type === 'tool_call')).toMatchObject({ name: 'memory_reflect' });
    expect(reflected.find((e) => e.type === 'agent')).toMatchObject({ text: expect.stringContaining('green') });

    const nothing = await turn('Forget my passport number');
    expect(nothing.filter((e) => e.type === 'tool_call').map((e) => (e as { name: string }).name)).toEqual([
      'memory_recall',
    ]);
    expect((await demo.brain.list(bank)).items).toHaveLength(2);

    const forgot = await turn('Forget my favourite colour');
    expect(forgot.filter((e) => e.type === 'tool_call').map((e) => (e as { name: string }).name)).toEqual([
      'memory_recall',
      'memory_forget',
    ]);
    expect((await demo.brain.list(bank)).items.map((m) => m.text)).toEqual(['The office is in Leeds']);
  });

  it('says what it can do when the message fits no pattern, without calling a tool', async () => {
    const events = await turn('hello');
    expect(events.some((e) => e.type === 'tool_call')).toBe(false);
    expect(events.find((e) => e.type === 'agent')).toMatchObject({ text: expect.stringContaining('scripted agent') });
  });
});
