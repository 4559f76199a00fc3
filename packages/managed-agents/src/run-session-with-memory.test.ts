import { ValidationError } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest, resultCounts, toolUseIds } from './__fixtures__/emulated-session-fixture.js';
import { keywordMemoryAgent } from './emulator/index.js';
import { runSessionTurn, runSessionWithMemory } from './run-session-with-memory.js';
import {
  SessionAbortedError,
  SessionDeletedError,
  SessionError,
  SessionFailedError,
  SessionTerminatedError,
  SessionTimeoutError,
} from './session-errors.js';

const startSession = emulatedSessionsPerTest();

describe('runSessionWithMemory over the official SDK and the emulator', () => {
  it('retains in turn one and recalls in turn two, with one memory in the bank', async () => {
    const fixture = await startSession(keywordMemoryAgent());
    const { client, brain, sessionId, bankId } = fixture;
    const first = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      prompt: 'Remember that I prefer dark mode',
    });
    expect(first).toBe('Noted: I prefer dark mode');
    const second = await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'What theme do I prefer?' });
    expect(second).toContain('I prefer dark mode');
    const page = await brain.list(bankId);
    expect(page.items.map((memory) => memory.text)).toEqual(['I prefer dark mode']);
    expect([...resultCounts(fixture.emulator, sessionId).values()]).toEqual([1, 1]);
  });
});

describe('tool calls', () => {
  it('answers a requires_action naming three ids (two memory tools, one other) once each', async () => {
    let batchIds: string[] = [];
    const fixture = await startSession(async (turn) => {
      const results = await turn.callTools([
        { name: 'memory_retain', input: { content: 'The launch is on Friday' } },
        { name: 'memory_recall', input: { query: 'launch day' } },
        { name: 'lookup_weather', input: { city: 'Oslo' } },
      ]);
      batchIds = results.map((result) => result.id);
      turn.say(results.map((result) => `${result.name}:${result.isError ? 'error' : 'ok'}`).join(' '));
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const handled: string[] = [];
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'go',
      nonMemoryToolHandler: (name, input) => {
        handled.push(name);
        return `sunny in ${String(input.city)}`;
      },
    });
    expect(turn.text).toBe('memory_retain:ok memory_recall:ok lookup_weather:ok');
    const idle = emulator.events(sessionId).find((event) => event.type === 'session.status_idle');
    expect(idle?.stop_reason).toEqual({ type: 'requires_action', event_ids: batchIds });
    expect(batchIds).toHaveLength(3);
    const counts = resultCounts(emulator, sessionId);
    expect(batchIds.map((id) => counts.get(id))).toEqual([1, 1, 1]);
    expect(emulator.rejectedEvents).toEqual([]);
    expect(handled).toEqual(['lookup_weather']);
    expect(turn.toolCalls.find((call) => call.name === 'lookup_weather')?.result).toBe('sunny in Oslo');
  });

  it('runs the calls of one batch concurrently', async () => {
    const fixture = await startSession(async (turn) => {
      const results = await turn.callTools([
        { name: 'wait_for', input: { other: 'b' } },
        { name: 'wait_for', input: { other: 'a' } },
      ]);
      turn.say(results.map((result) => result.text).join(','));
    });
    // Each call finishes only once the other has started: run one after the other, they would never finish.
    const started = new Map<string, () => void>();
    const startedPromises = new Map<string, Promise<void>>();
    for (const name of ['a', 'b']) startedPromises.set(name, new Promise((resolve) => started.set(name, resolve)));
    let next = 0;
    const { client, brain, sessionId, bankId } = fixture;
    const text = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      prompt: 'go',
      timeoutSeconds: 10,
      nonMemoryToolHandler: async (_name, input) => {
        const me = next++ === 0 ? 'a' : 'b';
        started.get(me)?.();
        await startedPromises.get(String(input.other));
        return `${me} done`;
      },
    });
    expect(text).toBe('a done,b done');
  });

  it('answers a failing tool, bad input and a tool without handler with is_error, and carries on', async () => {
    const fixture = await startSession(async (turn) => {
      const bad = await turn.callTool('memory_retain', { text: 'wrong field' });
      const thrown = await turn.callTool('explode');
      turn.say([bad, thrown].map((result) => `${result.isError}|${result.text}`).join('\n'));
    });
    const { client, brain, sessionId, bankId } = fixture;
    const text = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      prompt: 'go',
      nonMemoryToolHandler: () => {
        throw new Error('the weather service is down');
      },
    });
    expect(text).toBe(
      'true|text: is not a field of this tool; expected content, tags\ntrue|the weather service is down',
    );
    expect((await brain.list(bankId)).items).toEqual([]);

    const withoutHandler = await startSession(async (turn) => {
      const result = await turn.callTool('lookup_weather', { city: 'Oslo' });
      turn.say(`${result.isError}|${result.text}`);
    });
    const reply = await runSessionWithMemory(withoutHandler.client, withoutHandler.brain, {
      sessionId: withoutHandler.sessionId,
      bankId: withoutHandler.bankId,
      prompt: 'go',
    });
    expect(reply).toMatch(/^true\|no handler exists for tool "lookup_weather"/);
  });

  it('answers a call cross-posted from a sub-agent thread on the session', async () => {
    let threadId = '';
    const fixture = await startSession(async (turn) => {
      const researcher = turn.subAgent('researcher');
      threadId = researcher.threadId;
      const result = await researcher.callTool('memory_retain', { content: 'The researcher found the budget is 40k' });
      researcher.finish();
      turn.say(`researcher stored: ${result.json<{ stored: boolean }>().stored}`);
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const turn = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'research the budget' });
    expect(turn.text).toBe('researcher stored: true');
    expect(turn.toolCalls).toMatchObject([{ name: 'memory_retain', threadId, isError: false, posted: true }]);
    const call = emulator.events(sessionId).find((event) => event.type === 'agent.custom_tool_use');
    expect(call?.session_thread_id).toBe(threadId);
    // The primary thread never went idle waiting for it: only the sub-agent's thread did.
    const idles = emulator.events(sessionId).filter((event) => event.type === 'session.status_idle');
    expect(idles.map((event) => (event.stop_reason as { type: string }).type)).toEqual(['end_turn']);
    expect(resultCounts(emulator, sessionId).get(call?.id as string)).toBe(1);
    expect((await brain.list(bankId)).items).toHaveLength(1);
  });

  it('ignores event types it does not know', async () => {
    const fixture = await startSession(async (turn) => {
      turn.emit({ type: 'session.something_new', detail: { x: 1 } });
      turn.emit({ type: 'span.model_request_start' });
      turn.say('still here');
    });
    const { client, brain, sessionId, bankId } = fixture;
    const seen: string[] = [];
    const text = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      prompt: 'hello',
      onEvent: (event) => seen.push(event.type),
    });
    expect(text).toBe('still here');
    expect(seen).toContain('session.something_new');
  });
});

describe('dropped streams and retried requests', () => {
  // The POST that sends a tool result, not the one that sends the user's message.
  const TOOL_RESULT_POST = {
    method: 'POST',
    path: /\/events$/,
    when: (body: unknown) =>
      (body as { events: Array<{ type: string }> }).events[0]?.type === 'user.custom_tool_result',
  };

  it('completes a turn whose stream was cut after the tool call and before the idle, running the tool once', async () => {
    const fixture = await startSession(async (turn) => {
      await turn.callTool('memory_retain', { content: 'My dog is called Rex' });
      turn.say('stored');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    let cuts = 0;
    emulator.dropStreamAfter((event) => event.type === 'agent.custom_tool_use' && cuts++ === 0);
    let executions = 0;
    const counting = new Proxy(brain, {
      get(target, property, receiver) {
        if (property === 'retain') executions += 1;
        return Reflect.get(target, property, receiver);
      },
    });
    const turn = await runSessionTurn(client, counting, {
      sessionId,
      bankId,
      prompt: 'Remember that my dog is called Rex',
    });
    expect(turn.text).toBe('stored');
    expect(turn.reconnects).toBe(1);
    expect(cuts).toBe(1);
    expect(executions).toBe(1);
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1]);
    expect((await brain.list(bankId)).items).toHaveLength(1);
    expect(emulator.requests.filter((request) => request.path.endsWith('/events/stream'))).toHaveLength(2);
    expect(emulator.rejectedEvents).toEqual([]);
  });

  it('finds a call and a message emitted while it was detached in the history', async () => {
    const fixture = await startSession(async (turn) => {
      turn.dropStream();
      turn.say('said while you were away');
      const result = await turn.callTool('memory_retain', { content: 'The office moved to Berlin' });
      turn.say(`stored: ${result.json<{ stored: boolean }>().stored}`);
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const turn = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'go' });
    expect(turn.messages).toEqual(['said while you were away', 'stored: true']);
    expect(turn.reconnects).toBe(1);
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1]);
  });

  it('answers once when the result was recorded but its response failed (a blind retry would answer twice)', async () => {
    const fixture = await startSession(async (turn) => {
      const result = await turn.callTool('memory_retain', { content: 'Invoices go to finance@example.org' });
      turn.say(result.isError ? 'error' : 'ok');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    emulator.failRequests({ ...TOOL_RESULT_POST, afterProcessing: true, status: 500 });
    const text = await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' });
    expect(text).toBe('ok');
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1]);
    expect(emulator.rejectedEvents).toEqual([]);
  });

  it('sends the result again when the connection dropped before the server recorded it', async () => {
    const fixture = await startSession(async (turn) => {
      const result = await turn.callTool('memory_recall', { query: 'anything' });
      turn.say(result.isError ? 'error' : 'ok');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    emulator.failRequests({ ...TOOL_RESULT_POST, dropConnection: true });
    const text = await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' });
    expect(text).toBe('ok');
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1]);
    const posts = emulator.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/events'));
    // user.message, the dropped result, the resent result.
    expect(posts.map((request) => request.status)).toEqual([200, 0, 200]);
  });
});

describe('session errors', () => {
  it('waits out a session.error that is retrying and then succeeds', async () => {
    const fixture = await startSession(async (turn) => {
      turn.sessionError('model_overloaded_error', 'retrying');
      turn.sessionError('model_overloaded_error', 'retrying');
      await turn.callTool('memory_retain', { content: 'Retries are fine' });
      turn.say('done after retries');
    });
    const { client, brain, sessionId, bankId } = fixture;
    expect(await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' })).toBe('done after retries');
    expect((await brain.list(bankId)).items).toHaveLength(1);
  });

  it('rejects with SessionFailedError carrying the error type when retries are exhausted', async () => {
    const fixture = await startSession((turn) => {
      turn.sessionError('model_overloaded_error', 'retrying');
      turn.sessionError('model_overloaded_error', 'exhausted', 'overloaded for too long');
    });
    const { client, brain, sessionId, bankId } = fixture;
    const error = await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' }).catch((e) => e);
    expect(SessionFailedError.isInstance(error)).toBe(true);
    expect(SessionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'session_failed',
      errorType: 'model_overloaded_error',
      retryStatus: 'exhausted',
      sessionId,
    });
    expect(error.message).toContain('overloaded for too long');
  });

  it('rejects with SessionFailedError on a terminal error', async () => {
    const fixture = await startSession((turn) => turn.sessionError('billing_error', 'terminal', 'out of credits'));
    const { client, brain, sessionId, bankId } = fixture;
    const error = await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' }).catch((e) => e);
    expect(error).toBeInstanceOf(SessionFailedError);
    expect(error).toMatchObject({ errorType: 'billing_error', retryStatus: 'terminal' });
  });

  it('rejects with SessionTerminatedError when the session terminates', async () => {
    const fixture = await startSession((turn) => {
      turn.say('about to go');
      turn.terminate();
    });
    const { client, brain, sessionId, bankId } = fixture;
    const error = await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' }).catch((e) => e);
    expect(error).toBeInstanceOf(SessionTerminatedError);
    expect(error).toMatchObject({ code: 'session_terminated', errorType: 'session_terminated' });
  });

  it('rejects with SessionDeletedError when the session is deleted', async () => {
    const fixture = await startSession((turn) => turn.deleteSession());
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const error = await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' }).catch((e) => e);
    expect(error).toBeInstanceOf(SessionDeletedError);
    expect(error).toMatchObject({ code: 'session_deleted', errorType: 'session_deleted' });
    expect(emulator.session(sessionId)?.deleted).toBe(true);
  });
});

describe('time-outs and aborts', () => {
  const activeTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

  it('rejects within the time-out plus one second, interrupts the session and leaves nothing open', async () => {
    const fixture = await startSession((turn) => turn.stall());
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const timersBefore = activeTimers();
    const started = performance.now();
    const error = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      prompt: 'go',
      timeoutSeconds: 1,
    }).catch((e) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(SessionTimeoutError);
    expect(error).toMatchObject({ code: 'session_timeout', errorType: 'timeout', timeoutSeconds: 1 });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2000);
    const types = emulator.events(sessionId).map((event) => event.type);
    expect(types).toContain('user.interrupt');
    expect(types.at(-1)).toBe('session.status_idle');
    expect(emulator.session(sessionId)?.status).toBe('idle');
    expect(await emulator.waitForStreamsClosed(1000)).toBe(true);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });

  it('rejects with SessionAbortedError when the signal aborts, and interrupts the session', async () => {
    let stalled: () => void = () => {};
    const stalling = new Promise<void>((resolve) => {
      stalled = resolve;
    });
    const fixture = await startSession((turn) => {
      stalled();
      return turn.stall();
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const controller = new AbortController();
    const running = runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go', signal: controller.signal });
    await stalling;
    controller.abort(new Error('user went away'));
    const error = await running.catch((e) => e);
    expect(error).toBeInstanceOf(SessionAbortedError);
    expect(error.cause).toEqual(new Error('user went away'));
    expect(emulator.events(sessionId).map((event) => event.type)).toContain('user.interrupt');
    expect(await emulator.waitForStreamsClosed(1000)).toBe(true);
  });

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const fixture = await startSession((turn) => turn.say('never'));
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const error = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      prompt: 'go',
      signal: AbortSignal.abort(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(SessionAbortedError);
    expect(emulator.events(sessionId)).toEqual([]);
  });
});

describe('options', () => {
  it('rejects bad options with a ValidationError naming the field, before any request', async () => {
    const fixture = await startSession((turn) => turn.say('never'));
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const attempt = (options: Record<string, unknown>) =>
      runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go', ...options } as never).catch((e) => e);
    expect(await attempt({ bankId: 'no spaces allowed' })).toMatchObject({
      code: 'invalid_input',
      details: { field: 'bankId' },
    });
    expect(await attempt({ timeoutSeconds: 0 })).toMatchObject({ details: { field: 'timeoutSeconds' } });
    expect(await attempt({ prompt: '' })).toMatchObject({ details: { field: 'prompt' } });
    expect(await attempt({ nonMemoryToolHandler: 'nope' })).toMatchObject({
      details: { field: 'nonMemoryToolHandler' },
    });
    expect(ValidationError.isInstance(await attempt({ sessionId: 42 }))).toBe(true);
    expect(await attempt({ retainTranscripts: true })).toMatchObject({
      details: { field: 'retainTranscripts' },
      message: expect.stringContaining('unknown key'),
    });
    expect(emulator.events(sessionId)).toEqual([]);
  });

  it('fails the turn with a SessionError for a session that does not exist', async () => {
    const fixture = await startSession((turn) => turn.say('never'));
    const { client, brain, bankId } = fixture;
    const error = await runSessionWithMemory(client, brain, { sessionId: 'sesn_missing', bankId, prompt: 'go' }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(SessionError);
    expect(error).toMatchObject({ code: 'session_request_failed', details: { status: 404 } });
  });
});

describe('tool ids', () => {
  it('lists every tool use of a session for the helpers', async () => {
    const fixture = await startSession(async (turn) => {
      await turn.callTool('memory_recall', { query: 'x' });
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' });
    expect(toolUseIds(emulator, sessionId)).toHaveLength(1);
  });
});
