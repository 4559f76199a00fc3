import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from './__fixtures__/emulated-session-fixture.js';
import type { AgentTurn } from './emulator/index.js';
import { runSessionTurn } from './run-session-with-memory.js';
import type { SessionEvent } from './session-events.js';
import { retainTranscript, TurnTranscript } from './session-transcript.js';

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

  it('stores a message the user repeats in a later turn, each turn dated', async () => {
    const fixture = await startSession(listener);
    const { client, brain, sessionId, bankId } = fixture;
    const options = { sessionId, bankId, retainTranscript: true };
    const before = Date.now();
    await runSessionTurn(client, brain, { ...options, prompt: 'My cat is called Miso' });
    const again = await runSessionTurn(client, brain, { ...options, prompt: 'My cat is called Miso' });
    expect(again.transcript?.map((result) => result.stored)).toEqual([true, true]);
    const memories = (await brain.list(bankId)).items;
    expect(memories.map((m) => [m.speaker, m.text, m.episode?.position])).toEqual([
      ['user', 'My cat is called Miso', 0],
      ['agent', 'Nice to hear.', 1],
      ['user', 'My cat is called Miso', 2],
      ['agent', 'Nice to hear.', 3],
    ]);
    for (const memory of memories) expect(memory.occurredAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("dates a turn by the session's time of its messages, so two listeners of one session store it once", async () => {
    const brain = await createSqliteBrain({ path: ':memory:' });
    try {
      const events = [
        {
          type: 'user.message',
          id: 'sevt_1',
          content: [{ type: 'text', text: 'Yes' }],
          processed_at: '2026-11-02T09:00:00Z',
        },
        {
          type: 'agent.message',
          id: 'sevt_2',
          content: [{ type: 'text', text: 'Booked.' }],
          processed_at: '2026-11-02T09:00:03Z',
        },
      ] as SessionEvent[];
      const listen = () => {
        const transcript = new TurnTranscript(true);
        for (const event of events) transcript.accept(event);
        return transcript.take() ?? [];
      };
      const turns = listen();
      expect(turns.map((turn) => [turn.speaker, turn.occurredAt])).toEqual([
        ['user', new Date('2026-11-02T09:00:00Z')],
        ['agent', new Date('2026-11-02T09:00:03Z')],
      ]);
      const target = { bankId: 'b', sessionId: 'sesn_1' };
      expect((await retainTranscript(brain, turns, target)).map((r) => r.stored)).toEqual([true, true]);
      expect((await retainTranscript(brain, listen(), target)).map((r) => r.deduplicated)).toEqual([true, true]);
      expect((await brain.list('b')).items).toHaveLength(2);
    } finally {
      await brain.close();
    }
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
    const on = { sessionId, bankId, retainTranscript: true, includeForget: true };
    const forgot = await runSessionTurn(client, brain, { ...on, prompt: 'forget my sister' });
    const refused = await runSessionTurn(client, brain, { ...on, prompt: 'refuse this' });
    const off = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'My cat is called Miso' });
    expect([forgot.transcript, refused.transcript, off.transcript]).toEqual([null, null, null]);
    expect(refused.stopReason).toBe('refusal');
    expect((await brain.list(bankId)).items).toEqual([]);
  });
});

describe('retainTranscript, when the brain refuses the transcript', () => {
  it('returns the finished turn with the access denial in transcriptError, and stores nothing', async () => {
    const access = { grants: [{ principal: 'agent:reader', banks: '*', permissions: ['read' as const] }] };
    const { client, brain, sessionId, bankId } = await startSession(listener, { access });
    const context = { principal: 'agent:reader' };
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'Where does my sister live?',
      retainTranscript: true,
      context,
    });
    expect(turn).toMatchObject({ text: 'I do not know.', stopReason: 'end_turn', transcript: null });
    expect(turn.toolCalls.map((call) => [call.name, call.isError])).toEqual([['memory_recall', false]]);
    expect(turn.transcriptError).toMatchObject({
      code: 'access_denied',
      message: `access denied: agent:reader may not write bank ${bankId}`,
    });
    expect((await brain.list(bankId, { context })).items).toEqual([]);
  });

  it('names the prompt, or the reply as text, when one is over the content limit', async () => {
    const { client, sessionId, bankId } = await startSession(listener);
    const brain = await createSqliteBrain({ path: ':memory:', limits: { maxContentLength: 12 } });
    try {
      const options = { sessionId, bankId, retainTranscript: true };
      const long = await runSessionTurn(client, brain, { ...options, prompt: 'My sister Ada lives in Lisbon' });
      expect(long).toMatchObject({ text: 'Nice to hear.', messages: ['Nice to hear.'], transcript: null });
      expect(long.transcriptError).toMatchObject({
        code: 'invalid_input',
        details: { field: 'prompt' },
        message: 'prompt: is 29 characters; the limit is 12',
      });
      const short = await runSessionTurn(client, brain, { ...options, prompt: 'Hello' });
      expect(short.transcriptError).toMatchObject({
        details: { field: 'text' },
        message: 'text: is 13 characters; the limit is 12',
      });
      expect((await brain.list(bankId)).items).toEqual([]);
    } finally {
      await brain.close();
    }
  });
});
