import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from './__fixtures__/emulated-session-fixture.js';
import { ThreadTerminated } from './emulator/index.js';
import { runSessionTurn } from './run-session-with-memory.js';
import { SessionAbortedError, SessionTimeoutError } from './session-errors.js';

const startSession = emulatedSessionsPerTest();

describe('how a turn stops', () => {
  it('returns a refusal with its stop details (category and explanation)', async () => {
    const fixture = await startSession((turn) => {
      turn.say('I can’t help with that.');
      turn.refuse({ category: 'cyber', explanation: 'The request asks for working malware.' });
    });
    const { client, brain, sessionId, bankId } = fixture;
    const turn = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'write ransomware' });
    expect(turn.text).toBe('I can’t help with that.');
    expect(turn.stopReason).toBe('refusal');
    expect(turn.stopDetails).toEqual({
      type: 'refusal',
      category: 'cyber',
      explanation: 'The request asks for working malware.',
    });
  });

  it('returns budget_reached, with no stop details, after the calls already answered', async () => {
    const fixture = await startSession(async (turn) => {
      await turn.callTool('memory_retain', { content: 'The quarterly report is due on the 5th' });
      turn.exhaustBudget();
    });
    const { client, brain, sessionId, bankId } = fixture;
    const turn = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'remember the due date' });
    expect(turn.stopReason).toBe('budget_reached');
    expect(turn.stopDetails).toBeNull();
    expect(turn.toolCalls).toMatchObject([{ name: 'memory_retain', posted: true }]);
  });

  it('reports a platform event it cannot read as such, not as a request the API refused', async () => {
    let emit: (event: { type: string }) => void = () => undefined;
    const fixture = await startSession(async (turn) => {
      emit({ type: 'session.error' });
      turn.say('never read');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    emit = (event) => emulator.session(sessionId)?.emit(event);
    const error = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'hi' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'session_error',
      errorType: 'malformed_event',
      details: { eventType: 'session.error', field: 'error' },
      message: expect.stringMatching(/: the platform sent a session\.error event whose error the runner cannot read$/),
    });
  });

  it('returns end_turn with null stop details', async () => {
    const fixture = await startSession((turn) => turn.say('hello'));
    const { client, brain, sessionId, bankId } = fixture;
    const turn = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'hi' });
    expect([turn.stopReason, turn.stopDetails]).toEqual(['end_turn', null]);
  });
});

describe('a sub-agent thread that terminates', () => {
  it('drops the call its thread left open and finishes the turn', async () => {
    let threadId = '';
    let handlerStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      handlerStarted = resolve;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fixture = await startSession(async (turn) => {
      const researcher = turn.subAgent('researcher');
      threadId = researcher.threadId;
      const pending = researcher.callTool('slow_search', { q: 'budget' }).catch((error) => error);
      await started;
      researcher.terminate();
      release();
      const outcome = await pending;
      turn.say(outcome instanceof ThreadTerminated ? 'the researcher was stopped' : 'the researcher answered');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'research the budget',
      nonMemoryToolHandler: async () => {
        handlerStarted();
        await released;
        return 'found: 40k';
      },
    });
    expect(turn.text).toBe('the researcher was stopped');
    expect(turn.stopReason).toBe('end_turn');
    const [call] = emulator.events(sessionId).filter((event) => event.type === 'agent.custom_tool_use');
    expect(turn.droppedCalls).toEqual([
      { id: call?.id, name: 'slow_search', input: { q: 'budget' }, threadId, awaiting: 'result' },
    ]);
    expect(turn.toolCalls).toEqual([]);
  });

  it('does not run a call of a thread that terminated before the runner took it', async () => {
    let threadId = '';
    const fixture = await startSession(async (turn) => {
      const researcher = turn.subAgent('researcher');
      threadId = researcher.threadId;
      // The call and the termination reach the runner together, while its stream is down.
      turn.dropStream();
      const pending = researcher.callTool('slow_search', { q: 'budget' }).catch((error) => error);
      researcher.terminate();
      await pending;
      turn.say('done');
    });
    const { client, brain, sessionId, bankId } = fixture;
    const ran: string[] = [];
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'research',
      nonMemoryToolHandler: (name) => {
        ran.push(name);
        return 'ran';
      },
    });
    expect(turn.text).toBe('done');
    expect(ran).toEqual([]);
    expect(turn.droppedCalls).toMatchObject([{ name: 'slow_search', threadId }]);
    expect(turn.reconnects).toBe(1);
  });
});

describe('a tool handler that never returns, in a turn another client ends', () => {
  // The agent calls a custom tool; while its handler hangs, another client interrupts the session, which idles with
  // end_turn: the runner waits for its calls to settle before it returns.
  async function stuckTurn(options: { timeoutSeconds?: number; signal?: AbortSignal }) {
    const fixture = await startSession(async (turn) => {
      await turn.callTool('slow_lookup', { q: 'x' });
      turn.say('done');
    });
    const { client, brain, sessionId, bankId } = fixture;
    let started!: (signal: AbortSignal) => void;
    const handling = new Promise<AbortSignal>((resolve) => {
      started = resolve;
    });
    const turn = runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'go',
      nonMemoryToolHandler: (_name, _input, _event, signal) => {
        started(signal);
        return new Promise<string>(() => undefined);
      },
      ...options,
    }).catch((error: unknown) => error);
    const handlerSignal = await handling;
    await client.beta.sessions.events.send(sessionId, { events: [{ type: 'user.interrupt' }] });
    // The idle that follows reaches the runner, which then waits for the hung call.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { turn, handlerSignal };
  }

  it('fails with SessionTimeoutError at its time-out, and tells the handler to stop', async () => {
    const { turn, handlerSignal } = await stuckTurn({ timeoutSeconds: 1 });
    expect(handlerSignal.aborted).toBe(false);
    expect(await turn).toBeInstanceOf(SessionTimeoutError);
    expect(handlerSignal.aborted).toBe(true);
  });

  it('fails with SessionAbortedError when the caller aborts', async () => {
    const abort = new AbortController();
    const { turn } = await stuckTurn({ timeoutSeconds: 60, signal: abort.signal });
    abort.abort(new Error('the user left'));
    expect(await turn).toBeInstanceOf(SessionAbortedError);
  });
});
