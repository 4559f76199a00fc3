import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest, resultCounts } from './__fixtures__/emulated-session-fixture.js';
import { runSessionTurn } from './run-session-with-memory.js';
import { SessionTimeoutError } from './session-errors.js';

const startSession = emulatedSessionsPerTest();

// The POST that sends a tool result, not the one that sends the user's message.
const TOOL_RESULT_POST = {
  method: 'POST',
  path: /\/events$/,
  when: (body: unknown) => (body as { events: Array<{ type: string }> }).events[0]?.type === 'user.custom_tool_result',
};

const resultPosts = (requests: ReadonlyArray<{ method: string; path: string; status: number }>) =>
  requests.filter((request) => request.method === 'POST' && request.path.endsWith('/events')).slice(1);

describe('sending results through an outage', () => {
  it('keeps sending a result while every send fails for 5 s, then answers the call once', async () => {
    const fixture = await startSession(async (turn) => {
      const result = await turn.callTool('memory_retain', { content: 'The VPN certificate expires in June' });
      turn.say(result.isError ? 'error' : 'stored');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    emulator.failRequests({ ...TOOL_RESULT_POST, status: 503, forMs: 5_000 });
    const turn = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'go', timeoutSeconds: 60 });
    expect(turn.text).toBe('stored');
    const statuses = resultPosts(emulator.requests).map((request) => request.status);
    // Failed sends with backoff (6 attempts used to be the limit, about 3 s), then the one that got through.
    expect(statuses.slice(0, -1).every((status) => status === 503)).toBe(true);
    expect(statuses.length).toBeGreaterThan(3);
    expect(statuses.at(-1)).toBe(200);
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1]);
    expect(emulator.rejectedEvents).toEqual([]);
    expect((await brain.list(bankId)).items).toHaveLength(1);
  });

  it('keeps trying until the turn’s time-out, and then fails with SessionTimeoutError', async () => {
    const fixture = await startSession(async (turn) => {
      await turn.callTool('memory_recall', { query: 'anything' });
      turn.say('never');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    emulator.failRequests({ ...TOOL_RESULT_POST, dropConnection: true, forMs: 60_000 });
    const error = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'go', timeoutSeconds: 2 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(SessionTimeoutError);
    expect(resultPosts(emulator.requests).length).toBeGreaterThan(2);
    expect(resultCounts(emulator, sessionId).size).toBe(0);
  });

  it('fails the turn at once when the API refuses a result it did not record (a 4xx is not an outage)', async () => {
    const fixture = await startSession(async (turn) => {
      await turn.callTool('memory_recall', { query: 'anything' });
      turn.say('never');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    emulator.failRequests({ ...TOOL_RESULT_POST, status: 422 });
    const error = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'go', timeoutSeconds: 60 }).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: 'session_tool_result_failed', errorType: 'tool_result_failed' });
    expect(error.message).toContain('memory_recall');
    // The refused result, sent once, then the interrupt of the failed turn.
    expect(resultPosts(emulator.requests).map((request) => request.status)).toEqual([422, 200]);
    expect(emulator.events(sessionId).map((event) => event.type)).toContain('user.interrupt');
  });
});
