import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from '../__fixtures__/emulated-session-fixture.js';
import { runSessionWithMemory } from '../run-session-with-memory.js';
import { keywordMemoryAgent } from './keyword-memory-agent.js';

const startSession = emulatedSessionsPerTest();

describe('keywordMemoryAgent (scripted)', () => {
  it('retains, deduplicates, recalls, reflects and forgets through the memory tools', async () => {
    const fixture = await startSession(keywordMemoryAgent());
    const { client, brain, sessionId, bankId } = fixture;
    // The fixture's agent has memory_forget, so the runner is told so.
    const say = (prompt: string) =>
      runSessionWithMemory(client, brain, { sessionId, bankId, prompt, includeForget: true });
    expect(await say('Remember that my favourite colour is green')).toBe('Noted: my favourite colour is green');
    expect(await say('remember that my favourite colour is green')).toBe('I already knew that.');
    expect(await say('Note: the project is called Falcon')).toBe('Noted: the project is called Falcon');
    expect(await say('What is my favourite colour?')).toContain('my favourite colour is green');
    expect(await say('Reflect on my favourite colour')).toContain('green');
    expect(await say('Forget my favourite colour')).toBe('Forgotten: my favourite colour is green');
    expect((await brain.list(bankId)).items.map((memory) => memory.text)).toEqual(['the project is called Falcon']);
    expect(await say('Forget the weather in Lima')).toMatch(
      /^(Forgotten: the project is called Falcon|I have nothing)/,
    );
    expect(await say('hello there')).toMatch(/^\(scripted agent\)/);
  });

  it('says when a memory tool failed', async () => {
    const fixture = await startSession(keywordMemoryAgent());
    const { client, brain, sessionId, bankId } = fixture;
    const text = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      // Past the default limit of a megabyte per retain.
      prompt: `Remember that ${'x'.repeat(1_000_001)}`,
    });
    expect(text).toMatch(/^The memory_retain tool failed: content/);
  });
});
