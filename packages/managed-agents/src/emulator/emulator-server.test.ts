import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest, resultCounts } from '../__fixtures__/emulated-session-fixture.js';
import { MANAGED_AGENTS_BETA, startManagedAgentsEmulator } from './index.js';

const startSession = emulatedSessionsPerTest();

const textMessage = (text: string) => ({ type: 'user.message' as const, content: [{ type: 'text' as const, text }] });

describe('the Managed Agents emulator, driven by the official SDK', () => {
  it('serves agents, environments and sessions as the SDK reads them', async () => {
    const fixture = await startSession((turn) => turn.say('hi'));
    const { client, sessionId } = fixture;
    const session = await client.beta.sessions.retrieve(sessionId);
    expect(session).toMatchObject({ id: sessionId, type: 'session', status: 'idle' });
    expect(session.agent.tools.map((tool) => ('name' in tool ? tool.name : tool.type))).toEqual([
      'agent_toolset_20260401',
      'memory_retain',
      'memory_recall',
      'memory_reflect',
      'memory_forget',
    ]);
    const agent = await client.beta.agents.retrieve(session.agent.id);
    expect(agent.name).toBe('Assistant with memory');
    const environment = await client.beta.environments.retrieve(session.environment_id);
    expect(environment.config).toMatchObject({ type: 'cloud', networking: { type: 'unrestricted' } });
    await expect(client.beta.sessions.retrieve('sesn_nope')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('streams events framed as the SDK parses them, and only events emitted after attaching', async () => {
    const fixture = await startSession((turn) => turn.say(`echo: ${turn.message}`));
    const { client, sessionId, emulator } = fixture;
    const stream = await client.beta.sessions.events.stream(sessionId);
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('one')] });
    const types: string[] = [];
    let reply = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'agent.message')
        reply = event.content.map((block) => ('text' in block ? block.text : '')).join('');
      if (event.type === 'session.status_idle') break;
    }
    expect(types).toEqual(['user.message', 'session.status_running', 'agent.message', 'session.status_idle']);
    expect(reply).toBe('echo: one');
    expect(await emulator.waitForStreamsClosed(1000)).toBe(true);

    // A stream attached after the turn sees nothing of it: the stream never replays.
    const late = await client.beta.sessions.events.stream(sessionId);
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('two')] });
    for await (const event of late) {
      expect(event).toMatchObject({ type: 'user.message', content: [{ type: 'text', text: 'two' }] });
      break;
    }
  });

  it('lists history with pagination, order and type filters', async () => {
    const fixture = await startSession((turn) => turn.say('a reply'));
    const { client, sessionId, emulator } = fixture;
    for (const text of ['one', 'two', 'three']) {
      await client.beta.sessions.events.send(sessionId, { events: [textMessage(text)] });
    }
    const all = emulator.events(sessionId);
    const listed = [];
    for await (const event of client.beta.sessions.events.list(sessionId, { limit: 2 })) listed.push(event.id);
    expect(listed).toEqual(all.map((event) => event.id));
    const newestFirst = [];
    for await (const event of client.beta.sessions.events.list(sessionId, { order: 'desc', types: ['user.message'] })) {
      newestFirst.push(event.type === 'user.message' ? event.content[0] : null);
    }
    expect(newestFirst).toEqual(['three', 'two', 'one'].map((text) => ({ type: 'text', text })));
  });

  it('re-emits the idle with the ids still unanswered and refuses a second answer', async () => {
    const fixture = await startSession(async (turn) => {
      const results = await turn.callTools([{ name: 'a' }, { name: 'b' }]);
      turn.say(results.map((result) => result.text).join('+'));
    });
    const { client, sessionId, emulator } = fixture;
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const [first, second] = emulator.events(sessionId).filter((event) => event.type === 'agent.custom_tool_use');
    const answer = (id: string, text: string) => ({
      type: 'user.custom_tool_result' as const,
      custom_tool_use_id: id,
      content: [{ type: 'text' as const, text }],
    });
    await client.beta.sessions.events.send(sessionId, { events: [answer(first?.id as string, 'A')] });
    const idles = emulator.events(sessionId).filter((event) => event.type === 'session.status_idle');
    expect(idles.map((event) => (event.stop_reason as { event_ids: string[] }).event_ids)).toEqual([
      [first?.id, second?.id],
      [second?.id],
    ]);
    await expect(
      client.beta.sessions.events.send(sessionId, { events: [answer(first?.id as string, 'again')] }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    // Two answers of one call in one request: the request is refused whole, the first answer with it.
    await expect(
      client.beta.sessions.events.send(sessionId, {
        events: [answer(second?.id as string, 'B'), answer(second?.id as string, 'B again')],
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    expect(emulator.rejectedEvents.map((rejected) => rejected.reason)).toEqual([
      `custom_tool_use_id ${first?.id} was already answered`,
      `custom_tool_use_id ${second?.id} is answered twice in one request`,
    ]);
    await client.beta.sessions.events.send(sessionId, { events: [answer(second?.id as string, 'B')] });
    const last = emulator.events(sessionId).filter((event) => event.type === 'agent.message');
    expect(last.map((event) => event.content)).toEqual([[{ type: 'text', text: 'A+B' }]]);
    expect(emulator.session(sessionId)?.status).toBe('idle');
  });

  it('makes a blind SDK retry answer twice under an after-processing fault (the fault the runner must survive)', async () => {
    const fixture = await startSession(async (turn) => {
      await turn.callTool('a');
    });
    const { client, sessionId, emulator } = fixture;
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const call = emulator.events(sessionId).find((event) => event.type === 'agent.custom_tool_use');
    emulator.failRequests({ method: 'POST', path: /\/events$/, afterProcessing: true, status: 503 });
    const retrying = new Anthropic({ baseURL: emulator.url, apiKey: 'k', maxRetries: 1 });
    const sent = retrying.beta.sessions.events.send(sessionId, {
      events: [
        {
          type: 'user.custom_tool_result',
          custom_tool_use_id: call?.id as string,
          content: [{ type: 'text', text: 'x' }],
        },
      ],
    });
    await expect(sent).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    expect(resultCounts(emulator, sessionId).get(call?.id as string)).toBe(1);
    expect(emulator.rejectedEvents).toHaveLength(1);
  });

  it('fails every matching request during a forMs outage, then serves them again', async () => {
    const fixture = await startSession(async (turn) => {
      await turn.callTool('a');
    });
    const { client, sessionId, emulator } = fixture;
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    const call = emulator.events(sessionId).find((event) => event.type === 'agent.custom_tool_use');
    const answer = {
      type: 'user.custom_tool_result' as const,
      custom_tool_use_id: call?.id as string,
      content: [{ type: 'text' as const, text: 'x' }],
    };
    const outageEnds = Date.now() + 1_000;
    emulator.failRequests({
      method: 'POST',
      path: /\/events$/,
      when: (body) => (body as { events: Array<{ type: string }> }).events[0]?.type === 'user.custom_tool_result',
      forMs: 1_000,
    });
    const noRetries = new Anthropic({ baseURL: emulator.url, apiKey: 'k', maxRetries: 0 });
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(noRetries.beta.sessions.events.send(sessionId, { events: [answer] })).rejects.toBeInstanceOf(
        Anthropic.InternalServerError,
      );
    }
    // Requests the fault does not match go through during the outage.
    await noRetries.beta.sessions.retrieve(sessionId);
    await new Promise((resolve) => setTimeout(resolve, outageEnds - Date.now() + 20));
    await noRetries.beta.sessions.events.send(sessionId, { events: [answer] });
    expect(resultCounts(emulator, sessionId).get(call?.id as string)).toBe(1);
    expect(emulator.session(sessionId)?.status).toBe('idle');
  });

  it('requires an API key and the managed-agents beta header', async () => {
    const emulator = await startManagedAgentsEmulator({ agent: () => {}, apiKey: 'secret' });
    try {
      const unauthenticated = await fetch(`${emulator.url}/v1/agents/x`, {
        headers: { 'anthropic-beta': MANAGED_AGENTS_BETA },
      });
      expect(unauthenticated.status).toBe(401);
      const withoutBeta = await fetch(`${emulator.url}/v1/agents/x`, { headers: { 'x-api-key': 'secret' } });
      expect(withoutBeta.status).toBe(400);
      expect(await withoutBeta.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      const wrongKey = new Anthropic({ baseURL: emulator.url, apiKey: 'wrong' });
      await expect(wrongKey.beta.agents.retrieve('x')).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    } finally {
      await emulator.close();
    }
  });

  it('interrupts a running turn and runs queued messages one after another', async () => {
    const started: string[] = [];
    const fixture = await startSession(async (turn) => {
      started.push(turn.message);
      if (turn.message === 'stall') await turn.stall();
      turn.say(`did ${turn.message}`);
    });
    const { client, sessionId, emulator } = fixture;
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('first'), textMessage('second')] });
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('stall')] });
    await client.beta.sessions.events.send(sessionId, { events: [{ type: 'user.interrupt' }] });
    const messages = emulator.events(sessionId).filter((event) => event.type === 'agent.message');
    expect(started).toEqual(['first', 'second', 'stall']);
    expect(messages.map((event) => (event.content as Array<{ text: string }>)[0]?.text)).toEqual([
      'did first',
      'did second',
    ]);
    expect(emulator.session(sessionId)?.status).toBe('idle');
  });

  it('reports an agent script that throws as a session.error and keeps serving', async () => {
    const fixture = await startSession(() => {
      throw new Error('script bug');
    });
    const { client, sessionId, emulator } = fixture;
    await client.beta.sessions.events.send(sessionId, { events: [textMessage('go')] });
    expect(emulator.agentErrors).toEqual([new Error('script bug')]);
    const error = emulator.events(sessionId).find((event) => event.type === 'session.error');
    expect(error?.error).toMatchObject({ type: 'unknown_error', retry_status: { type: 'exhausted' } });
    expect(emulator.session(sessionId)?.status).toBe('idle');
  });
});
