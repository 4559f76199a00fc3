import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest, resultCounts } from './__fixtures__/emulated-session-fixture.js';
import type { AgentTurn, ManagedAgentsEmulator, ToolConfirmationOutcome, ToolResult } from './emulator/index.js';
import { runSessionTurn } from './run-session-with-memory.js';
import { SessionError, ToolConfirmationRequiredError } from './session-errors.js';

const startSession = emulatedSessionsPerTest();

const ofType = (emulator: ManagedAgentsEmulator, sessionId: string, type: string) =>
  emulator.events(sessionId).filter((event) => event.type === type);

describe('tool confirmations', () => {
  it('allows an ask-gated tool use through onToolConfirmation, once, and the turn goes on', async () => {
    const fixture = await startSession(async (turn) => {
      const outcome = await turn.useTool('bash', { command: 'ls build' }, { permission: 'ask' });
      turn.say(`bash: ${outcome.result}`);
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const asked: unknown[] = [];
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'list the build',
      onToolConfirmation: (event) => {
        asked.push({ type: event.type, name: event.name, input: event.input });
        return { result: 'allow' };
      },
    });
    expect(turn.text).toBe('bash: allow');
    expect(asked).toEqual([{ type: 'agent.tool_use', name: 'bash', input: { command: 'ls build' } }]);
    const [use] = ofType(emulator, sessionId, 'agent.tool_use');
    expect(ofType(emulator, sessionId, 'user.tool_confirmation')).toMatchObject([
      { tool_use_id: use?.id, result: 'allow' },
    ]);
    expect(turn.confirmations).toEqual([
      {
        id: use?.id,
        name: 'bash',
        input: { command: 'ls build' },
        mcpServer: null,
        result: 'allow',
        denyMessage: null,
        threadId: null,
        posted: true,
      },
    ]);
    expect(turn.stopReason).toBe('end_turn');
    expect(emulator.rejectedEvents).toEqual([]);
  });

  it('denies an MCP tool use with the async handler’s message, which the agent reads', async () => {
    const fixture = await startSession(async (turn) => {
      const outcome = await turn.useTool('delete_page', { page: 'Home' }, { permission: 'ask', mcpServer: 'wiki' });
      turn.say(outcome.result === 'deny' ? `denied: ${outcome.denyMessage}` : 'deleted');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'clean up the wiki',
      onToolConfirmation: async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return event.type === 'agent.mcp_tool_use' && event.mcp_server_name === 'wiki'
          ? { result: 'deny', denyMessage: 'the wiki is read-only' }
          : { result: 'allow' };
      },
    });
    expect(turn.text).toBe('denied: the wiki is read-only');
    expect(turn.confirmations).toMatchObject([
      { name: 'delete_page', mcpServer: 'wiki', result: 'deny', denyMessage: 'the wiki is read-only', posted: true },
    ]);
    expect(ofType(emulator, sessionId, 'user.tool_confirmation')).toMatchObject([
      { result: 'deny', deny_message: 'the wiki is read-only' },
    ]);
  });

  it('asks about ask and unknown permissions only, and denies when the handler throws or answers nonsense', async () => {
    const fixture = await startSession(async (turn) => {
      const outcomes = [
        await turn.useTool('read_file', { path: 'a' }),
        await turn.useTool('rm', { path: 'b' }, { permission: 'deny' }),
        await turn.useTool('write_file', { path: 'c' }, { permission: 'review_later' }),
        await turn.useTool('fetch', { url: 'd' }, { permission: 'ask' }),
        await turn.useTool('compile', { path: 'e' }, { permission: 'ask' }),
      ];
      turn.say(outcomes.map((outcome) => outcome.result).join(' '));
    });
    const { client, brain, sessionId, bankId } = fixture;
    const asked: string[] = [];
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'go',
      onToolConfirmation: (event) => {
        asked.push(event.name);
        if (event.name === 'fetch') throw new Error('no network policy loaded');
        // An answer JSON cannot write is refused like any other, not a failure of the turn.
        if (event.name === 'compile') return { result: 1n } as never;
        return { result: 'maybe' } as never;
      },
    });
    // An unknown permission fails closed: it is asked about like `ask`.
    expect(asked).toEqual(['write_file', 'fetch', 'compile']);
    expect(turn.text).toBe('allow deny deny deny deny');
    expect(turn.confirmations.map((c) => [c.name, c.result, c.denyMessage])).toEqual([
      ['write_file', 'deny', 'the application answered {"result":"maybe"}, not allow or deny'],
      ['fetch', 'deny', 'the application could not decide: no network policy loaded'],
      ['compile', 'deny', 'the application answered an object, not allow or deny'],
    ]);
  });

  it('without onToolConfirmation, ends the turn with ToolConfirmationRequiredError and leaves the session idle', async () => {
    const fixture = await startSession(async (turn) => {
      const outcome = await turn.useTool('bash', { command: 'make deploy' }, { permission: 'ask' });
      turn.say(`deploy: ${outcome.result}`);
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    // A time-out far beyond the test's own: only the typed error can end this turn in time.
    const error = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'deploy',
      timeoutSeconds: 600,
    }).catch((e) => e);
    expect(ToolConfirmationRequiredError.isInstance(error)).toBe(true);
    expect(SessionError.isInstance(error)).toBe(true);
    const [use] = ofType(emulator, sessionId, 'agent.tool_use');
    expect(error).toMatchObject({
      code: 'session_confirmation_required',
      errorType: 'tool_confirmation_required',
      sessionId,
      calls: [{ id: use?.id, name: 'bash' }],
      details: { toolUseIds: [use?.id], toolNames: ['bash'] },
    });
    expect(error.message).toContain(`bash (${use?.id})`);
    // Idle, not interrupted: the session still waits for the verdict, and takes it from anyone.
    expect((await client.beta.sessions.retrieve(sessionId)).status).toBe('idle');
    expect(ofType(emulator, sessionId, 'user.interrupt')).toEqual([]);
    const watch = await client.beta.sessions.events.stream(sessionId);
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.tool_confirmation', tool_use_id: use?.id as string, result: 'allow' }],
    });
    for await (const event of watch) if (event.type === 'session.status_idle') break;
    expect(ofType(emulator, sessionId, 'agent.message').map((event) => event.content)).toEqual([
      [{ type: 'text', text: 'deploy: allow' }],
    ]);
  });
});

describe('a batch mixing a memory call and a confirmation', () => {
  const script = async (turn: AgentTurn) => {
    const [retained, deploy] = await turn.batch([
      { kind: 'custom', name: 'memory_retain', input: { content: 'Deploys happen on Tuesdays' } },
      { kind: 'builtin', name: 'bash', input: { command: 'make deploy' }, permission: 'ask' },
    ]);
    const stored = (retained as ToolResult).json<{ stored: boolean }>().stored;
    turn.say(`${stored ? 'retained' : 'not retained'} / deploy ${(deploy as ToolConfirmationOutcome).result}`);
  };

  it('answers both, each once, after the one idle that names them', async () => {
    const fixture = await startSession(script);
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'remember the deploy day, then deploy',
      onToolConfirmation: () => ({ result: 'allow' }),
    });
    expect(turn.text).toBe('retained / deploy allow');
    const [call] = ofType(emulator, sessionId, 'agent.custom_tool_use');
    const [use] = ofType(emulator, sessionId, 'agent.tool_use');
    const idles = ofType(emulator, sessionId, 'session.status_idle');
    expect(idles[0]?.stop_reason).toEqual({ type: 'requires_action', event_ids: [call?.id, use?.id] });
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1]);
    expect(ofType(emulator, sessionId, 'user.tool_confirmation')).toHaveLength(1);
    expect(emulator.rejectedEvents).toEqual([]);
    expect((await brain.list(bankId)).items.map((memory) => memory.text)).toEqual(['Deploys happen on Tuesdays']);
  });

  it('without onToolConfirmation, answers the memory call before ending with the typed error', async () => {
    const fixture = await startSession(script);
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const error = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'go', timeoutSeconds: 600 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ToolConfirmationRequiredError);
    expect(error.calls.map((call: { name: string }) => call.name)).toEqual(['bash']);
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1]);
    expect((await brain.list(bankId)).items).toHaveLength(1);
    expect(emulator.session(sessionId)?.status).toBe('idle');
  });
});
