import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from './__fixtures__/emulated-session-fixture.js';
import { deleteManagedSession } from './delete-managed-session.js';

const startSession = emulatedSessionsPerTest();

describe('deleteManagedSession', () => {
  it('interrupts a running session, waits until it is idle, then deletes it', async () => {
    const fixture = await startSession((turn) => turn.stall());
    const { client, sessionId, emulator } = fixture;
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'work forever' }] }],
    });
    expect(emulator.session(sessionId)?.status).toBe('running');
    await deleteManagedSession(client, sessionId);
    const types = emulator.events(sessionId).map((event) => event.type);
    expect(types.slice(-3)).toEqual(['user.interrupt', 'session.status_idle', 'session.deleted']);
    await expect(client.beta.sessions.retrieve(sessionId)).rejects.toMatchObject({ status: 404 });
  });

  it('deletes an idle session without interrupting it, and treats a missing session as deleted', async () => {
    const fixture = await startSession((turn) => turn.say('hi'));
    const { client, sessionId, emulator } = fixture;
    await deleteManagedSession(client, sessionId);
    expect(emulator.events(sessionId).map((event) => event.type)).toEqual(['session.deleted']);
    await expect(deleteManagedSession(client, sessionId)).resolves.toBeUndefined();
    await expect(deleteManagedSession(client, '')).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
