import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from './__fixtures__/emulated-session-fixture.js';
import type { AgentTurn } from './emulator/index.js';
import { runSessionTurn } from './run-session-with-memory.js';

const startSession = emulatedSessionsPerTest();

/** Never retains: small talk, except that a question recalls and answers with the best hit. */
async function listener(turn: AgentTurn): Promise<void> {
  if (turn.message.startsWith('forget')) {
    await turn.callTool('memory_forget', { memory_ids: [] });
    turn.say('Forgotten.');
  } else if (turn.message.startsWith('refuse')) {
    turn.refuse({ category: null, explanation: 'no' });
  } else if (turn.message.endsWith('?')) {
    const { hits } = (await turn.callTool('memory_recall', { query: turn.message })).json<{
      hits: Array<{ text: string }>;
    }>();
    turn.say(hits.length > 0 ? `From memory: ${hits[0]?.text}` : 'I do not know.');
  } else {
    turn.say('Nice to hear.');
  }
}

describe('retainTranscript', () => {
  it('lets a later turn recall what the user said, with no memory_retain call', async () => {
    const fixture = await startSession(listener);
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const options = { sessionId, bankId, retainTranscript: true, context: { actor: 'support-app' } };
    const first = await runSessionTurn(client, brain, { ...options, prompt: 'My sister Ada lives in Lisbon' });
    expect(first.transcript?.map((result) => result.stored)).toEqual([true, true]);
    const second = await runSessionTurn(client, brain, { ...options, prompt: 'Where does my sister live?' });
    expect(second.text).toBe('From memory: My sister Ada lives in Lisbon');

    const names = emulator
      .events(sessionId)
      .filter((event) => event.type === 'agent.custom_tool_use')
      .map((event) => event.name);
    expect(names).toEqual(['memory_recall']);
    const memories = (await brain.list(bankId)).items;
    expect(memories.map((m) => [m.speaker, m.text, m.episode?.id, m.episode?.position])).toEqual([
      ['user', 'My sister Ada lives in Lisbon', sessionId, 0],
      ['agent', 'Nice to hear.', sessionId, 1],
      ['user', 'Where does my sister live?', sessionId, 2],
      ['agent', 'From memory: My sister Ada lives in Lisbon', sessionId, 3],
    ]);
    expect((await brain.history(bankId, memories[0]?.id as string))[0]?.actor).toBe('support-app');
  });

  it('applies governance: an email address in the message is redacted before it is stored', async () => {
    const fixture = await startSession(listener);
    const { client, brain, sessionId, bankId } = fixture;
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'Write to me at ada@example.org from now on',
      retainTranscript: true,
    });
    expect(turn.transcript?.[0]).toMatchObject({ stored: true, redacted: ['email'] });
    const texts = (await brain.list(bankId)).items.map((memory) => memory.text);
    expect(texts.join(' ')).not.toContain('ada@example.org');
  });

  it('does not retain a turn that forgot something, one that was refused, or any turn when off', async () => {
    const fixture = await startSession(listener);
    const { client, brain, sessionId, bankId } = fixture;
    const on = { sessionId, bankId, retainTranscript: true };
    const forgot = await runSessionTurn(client, brain, { ...on, prompt: 'forget my sister' });
    const refused = await runSessionTurn(client, brain, { ...on, prompt: 'refuse this' });
    const off = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'My cat is called Miso' });
    expect([forgot.transcript, refused.transcript, off.transcript]).toEqual([null, null, null]);
    expect(refused.stopReason).toBe('refusal');
    expect((await brain.list(bankId)).items).toEqual([]);
  });
});
