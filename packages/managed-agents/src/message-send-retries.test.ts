import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from './__fixtures__/emulated-session-fixture.js';
import type { AgentTurn } from './emulator/index.js';
import { runSessionTurn } from './run-session-with-memory.js';

const startSession = emulatedSessionsPerTest();

// The POST that sends the turn's user message.
const MESSAGE_POST = {
  method: 'POST',
  path: /\/events$/,
  when: (body: unknown) => (body as { events: Array<{ type: string }> }).events[0]?.type === 'user.message',
};

describe("sending a turn's message through a fault", () => {
  // An agent whose tool has an effect per turn: an email sent twice is the harm of a message sent twice.
  async function emailer() {
    const emails: string[] = [];
    const fixture = await startSession(async (turn: AgentTurn) => {
      await turn.callTool('send_email', { body: turn.message });
      turn.say(`sent: ${turn.message}`);
    });
    const run = (prompt: string) =>
      runSessionTurn(fixture.client, fixture.brain, {
        sessionId: fixture.sessionId,
        bankId: fixture.bankId,
        prompt,
        timeoutSeconds: 20,
        nonMemoryToolHandler: (_name, input) => {
          emails.push(String(input.body));
          return 'sent';
        },
      });
    const messages = () => fixture.emulator.events(fixture.sessionId).filter((e) => e.type === 'user.message');
    return { ...fixture, emails, run, messages };
  }

  it.each([
    ['a 500 after the platform recorded it', { status: 500, afterProcessing: true }],
    ['a connection cut after the platform recorded it', { dropConnection: true, afterProcessing: true }],
  ])('sends it once when its response is lost to %s, and the next turn runs', async (_name, fault) => {
    const session = await emailer();
    session.emulator.failRequests({ ...MESSAGE_POST, ...fault });
    expect((await session.run('Tell my boss I am sick')).text).toBe('sent: Tell my boss I am sick');
    expect(session.messages()).toHaveLength(1);
    expect((await session.run('Tell the team too')).text).toBe('sent: Tell the team too');
    expect(session.emails).toEqual(['Tell my boss I am sick', 'Tell the team too']);
  });

  it('sends it until an outage ends, once, and a last send whose response is lost is not taken for a failure', async () => {
    const session = await emailer();
    session.emulator.failRequests({ ...MESSAGE_POST, status: 503, forMs: 2_500 });
    expect((await session.run('Tell my boss I am sick')).text).toBe('sent: Tell my boss I am sick');
    session.emulator.failRequests({ ...MESSAGE_POST, status: 503, times: 2 });
    session.emulator.failRequests({ ...MESSAGE_POST, status: 500, afterProcessing: true });
    expect((await session.run('Tell the team too')).text).toBe('sent: Tell the team too');
    expect(session.messages()).toHaveLength(2);
    expect(session.emails).toEqual(['Tell my boss I am sick', 'Tell the team too']);
  });

  it('sends it again when the platform refused it before recording it, and even a repeated prompt only once', async () => {
    const session = await emailer();
    expect((await session.run('yes')).text).toBe('sent: yes');
    session.emulator.failRequests({ ...MESSAGE_POST, status: 503 });
    expect((await session.run('yes')).text).toBe('sent: yes');
    expect(session.messages()).toHaveLength(2);
    expect(session.emails).toEqual(['yes', 'yes']);
  });
});
