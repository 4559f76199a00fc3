import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from '../__fixtures__/emulated-session-fixture.js';
import type { EmulatedEvent, ManagedAgentsEmulator } from './index.js';
import { ThreadTerminated, type ToolConfirmationOutcome } from './index.js';

const startSession = emulatedSessionsPerTest();

const textMessage = (text: string) => ({ type: 'user.message' as const, content: [{ type: 'text' as const, text }] });
const confirm = (toolUseId: string, result: 'allow' | 'deny', denyMessage?: string) => ({
  type: 'user.tool_confirmation' as const,
  tool_use_id: toolUseId,
  result,
  ...(denyMessage === undefined ? {} : { deny_message: denyMessage }),
});
const customResult = (id: string, text: string) => ({
  type: 'user.custom_tool_result' as const,
  custom_tool_use_id: id,
  content: [{ type: 'text' as const, text }],
});

function ofType(emulator: ManagedAgentsEmulator, sessionId: string, type: string): EmulatedEvent[] {
  return emulator.events(sessionId).filter((event) => event.type === type);
}

const lastIdle = (emulator: ManagedAgentsEmulator, sessionId: string) =>
  ofType(emulator, sessionId, 'session.status_idle').at(-1);

describe('scripted built-in and MCP tool uses', () => {
  it('runs an allowed tool use at once: the use, its result, and the turn goes on', async () => {
    const outcomes: ToolConfirmationOutcome[] = [];
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      outcomes.push(await turn.useTool('bash', { command: 'ls' }));
      outcomes.push(await turn.useTool('search_docs', { q: 'x' }, { mcpServer: 'docs' }));
      turn.say('done');
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    expect(outcomes).toEqual([{ result: 'allow' }, { result: 'allow' }]);
    const [use] = ofType(emulator, sessionId, 'agent.tool_use');
    expect(use).toMatchObject({
      name: 'bash',
      input: { command: 'ls' },
      evaluated_permission: 'allow',
      evaluation: { type: 'always_allow' },
    });
    expect(ofType(emulator, sessionId, 'agent.tool_result')).toMatchObject([{ tool_use_id: use?.id, is_error: false }]);
    const [mcpUse] = ofType(emulator, sessionId, 'agent.mcp_tool_use');
    expect(mcpUse).toMatchObject({ name: 'search_docs', mcp_server_name: 'docs', evaluated_permission: 'allow' });
    expect(ofType(emulator, sessionId, 'agent.mcp_tool_result')).toMatchObject([{ mcp_tool_use_id: mcpUse?.id }]);
    expect(lastIdle(emulator, sessionId)?.stop_reason).toEqual({ type: 'end_turn' });
  });

  it('holds an ask-gated use until the user allows it, then runs it', async () => {
    const outcomes: ToolConfirmationOutcome[] = [];
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      outcomes.push(await turn.useTool('bash', { command: 'rm -rf build' }, { permission: 'ask' }));
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const [use] = ofType(emulator, sessionId, 'agent.tool_use');
    expect(use).toMatchObject({ evaluated_permission: 'ask', evaluation: { type: 'always_ask' } });
    const session = await client.beta.sessions.retrieve(sessionId);
    expect(session.status).toBe('idle');
    expect(lastIdle(emulator, sessionId)?.stop_reason).toEqual({ type: 'requires_action', event_ids: [use?.id] });
    expect(ofType(emulator, sessionId, 'agent.tool_result')).toEqual([]);

    await client.beta.sessions.events.send(sessionId, { events: [confirm(use?.id as string, 'allow')] });
    expect(outcomes).toEqual([{ result: 'allow' }]);
    const types = emulator.events(sessionId).map((event) => event.type);
    expect(types.slice(types.indexOf('user.tool_confirmation'))).toEqual([
      'user.tool_confirmation',
      'session.status_running',
      'agent.tool_result',
      'session.status_idle',
    ]);
    // The call is settled: a second verdict is refused.
    await expect(
      client.beta.sessions.events.send(sessionId, { events: [confirm(use?.id as string, 'deny')] }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('hands the deny message to the script and runs nothing when the user denies', async () => {
    const outcomes: ToolConfirmationOutcome[] = [];
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      outcomes.push(await turn.useTool('deploy', {}, { permission: 'ask', mcpServer: 'ops' }));
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const [use] = ofType(emulator, sessionId, 'agent.mcp_tool_use');
    await client.beta.sessions.events.send(sessionId, {
      events: [confirm(use?.id as string, 'deny', 'not on Fridays')],
    });
    expect(outcomes).toEqual([{ result: 'deny', denyMessage: 'not on Fridays' }]);
    expect(ofType(emulator, sessionId, 'agent.mcp_tool_result')).toEqual([]);
    expect(lastIdle(emulator, sessionId)?.stop_reason).toEqual({ type: 'end_turn' });
  });

  it('refuses a use denied by policy without asking, and holds an unknown permission like ask', async () => {
    const outcomes: ToolConfirmationOutcome[] = [];
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      outcomes.push(await turn.useTool('bash', {}, { permission: 'deny' }));
      outcomes.push(await turn.useTool('bash', {}, { permission: 'review_later' }));
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const [denied, unknown] = ofType(emulator, sessionId, 'agent.tool_use');
    expect(denied).toMatchObject({ evaluated_permission: 'deny', evaluation: { type: 'auto' } });
    expect(ofType(emulator, sessionId, 'agent.tool_result')).toMatchObject([
      { tool_use_id: denied?.id, is_error: true },
    ]);
    expect(unknown?.evaluated_permission).toBe('review_later');
    expect(lastIdle(emulator, sessionId)?.stop_reason).toEqual({ type: 'requires_action', event_ids: [unknown?.id] });
    await client.beta.sessions.events.send(sessionId, { events: [confirm(unknown?.id as string, 'allow')] });
    expect(outcomes).toEqual([{ result: 'deny', denyMessage: null }, { result: 'allow' }]);
  });

  it('refuses confirmations that answer nothing, the wrong kind of call, or allow with a deny message', async () => {
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      await turn.batch([
        { kind: 'custom', name: 'lookup' },
        { kind: 'builtin', name: 'bash', permission: 'ask' },
      ]);
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const custom = ofType(emulator, sessionId, 'agent.custom_tool_use')[0]?.id as string;
    const builtin = ofType(emulator, sessionId, 'agent.tool_use')[0]?.id as string;
    const refused = [
      confirm('sevt_unknown', 'allow'),
      confirm(custom, 'allow'),
      customResult(builtin, 'x'),
      { ...confirm(builtin, 'allow'), deny_message: 'why' },
    ];
    for (const event of refused) {
      await expect(client.beta.sessions.events.send(sessionId, { events: [event] })).rejects.toBeInstanceOf(
        Anthropic.BadRequestError,
      );
    }
    expect(emulator.rejectedEvents.map((rejected) => rejected.reason)).toEqual([
      'tool_use_id sevt_unknown is not awaiting a confirmation',
      `${custom} is an agent.custom_tool_use: answer it with user.custom_tool_result`,
      `${builtin} is an agent.tool_use: answer it with user.tool_confirmation`,
      'user.tool_confirmation: deny_message is only allowed when result is deny',
    ]);
    expect(ofType(emulator, sessionId, 'user.tool_confirmation')).toEqual([]);
  });
});

describe('a scripted batch', () => {
  it('emits every event, ONE idle naming each waiting id, and answers in request order', async () => {
    let answers: unknown[] = [];
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      const results = await turn.batch([
        { kind: 'custom', name: 'memory_recall', input: { query: 'q' } },
        { kind: 'builtin', name: 'bash', input: { command: 'ls' }, permission: 'ask' },
        { kind: 'builtin', name: 'read', permission: 'allow' },
      ]);
      answers = results.map((result) => ('text' in result ? result.text : result));
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const custom = ofType(emulator, sessionId, 'agent.custom_tool_use')[0]?.id as string;
    const [ask, allowed] = ofType(emulator, sessionId, 'agent.tool_use');
    const idles = ofType(emulator, sessionId, 'session.status_idle');
    expect(idles.map((idle) => idle.stop_reason)).toEqual([{ type: 'requires_action', event_ids: [custom, ask?.id] }]);
    expect(ofType(emulator, sessionId, 'agent.tool_result')).toMatchObject([{ tool_use_id: allowed?.id }]);

    await client.beta.sessions.events.send(sessionId, { events: [customResult(custom, 'recalled')] });
    expect(lastIdle(emulator, sessionId)?.stop_reason).toEqual({ type: 'requires_action', event_ids: [ask?.id] });
    await client.beta.sessions.events.send(sessionId, { events: [confirm(ask?.id as string, 'allow')] });
    expect(answers).toEqual(['recalled', { result: 'allow' }, { result: 'allow' }]);
    expect(lastIdle(emulator, sessionId)?.stop_reason).toEqual({ type: 'end_turn' });
  });
});

describe('scripted stops', () => {
  it('ends a turn on a refusal with its stop details, as the SDK types them', async () => {
    const { client, sessionId, emulator } = await startSession((turn) => {
      turn.say('let me see');
      turn.refuse({ category: 'cyber', explanation: 'This request was refused.' });
    });
    const stream = await client.beta.sessions.events.stream(sessionId);
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    for await (const event of stream) {
      if (event.type !== 'session.status_idle') continue;
      expect(event.stop_reason).toEqual({ type: 'refusal' });
      expect(event.stop_details).toEqual({
        type: 'refusal',
        category: 'cyber',
        explanation: 'This request was refused.',
      });
      break;
    }
    expect((await client.beta.sessions.retrieve(sessionId)).status).toBe('idle');
    expect(emulator.agentErrors).toEqual([]);
  });

  it('ends a turn on a refusal with null details by default, and on the budget with budget_reached', async () => {
    const { client, sessionId, emulator } = await startSession((turn) => {
      if (turn.turnIndex === 0) turn.refuse();
      turn.exhaustBudget();
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('one')] });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('two')] });
    const idles = ofType(emulator, sessionId, 'session.status_idle');
    expect(idles.map((idle) => [idle.stop_reason, idle.stop_details])).toEqual([
      [{ type: 'refusal' }, { type: 'refusal', category: null, explanation: null }],
      [{ type: 'budget_reached' }, null],
    ]);
    expect(emulator.session(sessionId)?.status).toBe('idle');
  });
});

describe('a terminated sub-agent thread', () => {
  it('rejects its pending calls in the script, refuses answers to them, and the turn ends normally', async () => {
    let caught: unknown;
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      const worker = turn.subAgent('researcher');
      const pending = worker.callTool('memory_recall', { query: 'q' });
      worker.terminate();
      caught = await pending.catch((error: unknown) => error);
      const own = await turn.callTool('memory_retain', { content: 'c' });
      turn.say(`primary got ${own.text}`);
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const [threadCall, primaryCall] = ofType(emulator, sessionId, 'agent.custom_tool_use');
    expect(caught).toBeInstanceOf(ThreadTerminated);
    expect(ofType(emulator, sessionId, 'session.thread_status_terminated')).toMatchObject([
      { session_thread_id: threadCall?.session_thread_id, agent_name: 'researcher' },
    ]);
    await expect(
      client.beta.sessions.events.send(sessionId, { events: [customResult(threadCall?.id as string, 'late')] }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    expect(emulator.rejectedEvents[0]?.reason).toMatch(/terminated and accepts no input/);
    await client.beta.sessions.events.send(sessionId, { events: [customResult(primaryCall?.id as string, 'ok')] });
    expect(ofType(emulator, sessionId, 'agent.message').map((event) => event.content)).toEqual([
      [{ type: 'text', text: 'primary got ok' }],
    ]);
    expect(lastIdle(emulator, sessionId)?.stop_reason).toEqual({ type: 'end_turn' });
  });

  it('marks the answers it routes to a sub-agent thread with session_thread_id', async () => {
    const { client, sessionId, emulator } = await startSession(async (turn) => {
      const worker = turn.subAgent();
      await worker.callTool('memory_recall');
      worker.finish();
      await turn.callTool('memory_recall');
    });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const threadCall = ofType(emulator, sessionId, 'agent.custom_tool_use')[0];
    await client.beta.sessions.events.send(sessionId, { events: [customResult(threadCall?.id as string, 'a')] });
    const primaryCall = ofType(emulator, sessionId, 'agent.custom_tool_use')[1];
    await client.beta.sessions.events.send(sessionId, { events: [customResult(primaryCall?.id as string, 'b')] });
    const results = [];
    for await (const event of client.beta.sessions.events.list(sessionId, { types: ['user.custom_tool_result'] })) {
      results.push(event.type === 'user.custom_tool_result' ? event.session_thread_id : 'wrong type');
    }
    expect(results).toEqual([threadCall?.session_thread_id, undefined]);
  });
});
