import Anthropic from '@anthropic-ai/sdk';
import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest, resultCounts } from './__fixtures__/emulated-session-fixture.js';
import { runSessionTurn } from './run-session-with-memory.js';

const startSession = emulatedSessionsPerTest();

// The other client's tool, in the SDK's own shape, for its session tool runner.
const weatherTool: BetaRunnableTool<Record<string, unknown>> = {
  type: 'custom',
  name: 'lookup_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  parse: (input) => input as Record<string, unknown>,
  run: (input) => `sunny in ${String(input.city)}`,
};

describe("answerUnownedTools: 'leave'", () => {
  it('answers the memory call and leaves the other tool to a second SDK client, each answered once', async () => {
    const fixture = await startSession(async (turn) => {
      const [recall, weather] = await turn.callTools([
        { name: 'memory_recall', input: { query: 'umbrella' } },
        { name: 'lookup_weather', input: { city: 'Oslo' } },
      ]);
      turn.say(`recall ${recall?.isError ? 'failed' : 'ok'}; ${weather?.text}`);
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    // The other client: the SDK's session tool runner with the weather tool only, on a client of its own.
    const other = new Anthropic({ baseURL: emulator.url, apiKey: 'test-key' });
    const otherRunner = other.beta.sessions.events.toolRunner(sessionId, { tools: [weatherTool], maxIdleMs: 0 });
    const otherCalls: Array<{ name: string; posted: boolean }> = [];
    const otherLoop = (async () => {
      for await (const call of otherRunner) {
        otherCalls.push({ name: call.name, posted: call.posted });
        if (call.name === 'lookup_weather') break;
      }
    })();

    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'do I need an umbrella in Oslo?',
      answerUnownedTools: 'leave',
      timeoutSeconds: 30,
    });
    await otherLoop;
    expect(turn.text).toBe('recall ok; sunny in Oslo');
    const [recall, weather] = emulator.events(sessionId).filter((event) => event.type === 'agent.custom_tool_use');
    expect(turn.toolCalls.map((call) => [call.id, call.name, call.posted])).toEqual([
      [recall?.id, 'memory_recall', true],
    ]);
    expect(turn.leftCalls).toEqual([
      { id: weather?.id, name: 'lookup_weather', input: { city: 'Oslo' }, threadId: null, awaiting: 'result' },
    ]);
    // The SDK runner in turn left the memory call to us.
    expect(otherCalls).toEqual([
      { name: 'memory_recall', posted: false },
      { name: 'lookup_weather', posted: true },
    ]);
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1, 1]);
    expect(emulator.rejectedEvents).toEqual([]);
  });

  it('answers the handler’s tools (handlerTools) and leaves the rest', async () => {
    const fixture = await startSession(async (turn) => {
      const [weather] = await turn.callTools([
        { name: 'lookup_weather', input: { city: 'Bergen' } },
        { name: 'book_flight', input: { to: 'Bergen' } },
      ]);
      turn.say(weather?.text ?? '');
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const handled: string[] = [];
    const running = runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'plan a trip',
      answerUnownedTools: 'leave',
      nonMemoryToolHandler: (name, input) => {
        handled.push(name);
        return `rainy in ${String(input.city)}`;
      },
      handlerTools: ['lookup_weather'],
      onEvent: (event) => {
        // Another client of the session books the flight.
        if (event.type === 'agent.custom_tool_use' && event.name === 'book_flight') {
          void client.beta.sessions.events.send(sessionId, {
            events: [
              {
                type: 'user.custom_tool_result',
                custom_tool_use_id: event.id,
                content: [{ type: 'text', text: 'booked' }],
              },
            ],
          });
        }
      },
    });
    const turn = await running;
    expect(turn.text).toBe('rainy in Bergen');
    expect(handled).toEqual(['lookup_weather']);
    expect(turn.leftCalls.map((call) => call.name)).toEqual(['book_flight']);
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1, 1]);
  });

  it('leaves a confirmation to another client when there is no onToolConfirmation', async () => {
    const fixture = await startSession(async (turn) => {
      const outcome = await turn.useTool('bash', { command: 'make release' }, { permission: 'ask' });
      turn.say(`release: ${outcome.result}`);
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'release it',
      answerUnownedTools: 'leave',
      onEvent: (event) => {
        // A reviewer's client approves the release.
        if (event.type === 'agent.tool_use') {
          void client.beta.sessions.events.send(sessionId, {
            events: [{ type: 'user.tool_confirmation', tool_use_id: event.id, result: 'allow' }],
          });
        }
      },
    });
    expect(turn.text).toBe('release: allow');
    expect(turn.leftCalls).toMatchObject([{ name: 'bash', awaiting: 'confirmation' }]);
    expect(turn.confirmations).toEqual([]);
    expect(emulator.events(sessionId).filter((event) => event.type === 'user.tool_confirmation')).toHaveLength(1);
  });
});

describe("answerUnownedTools: 'error' (the default)", () => {
  it('answers a tool outside handlerTools with an error result, without calling the handler', async () => {
    const fixture = await startSession(async (turn) => {
      const result = await turn.callTool('book_flight', { to: 'Bergen' });
      turn.say(`${result.isError}|${result.text}`);
    });
    const { client, brain, sessionId, bankId } = fixture;
    const handled: string[] = [];
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'book it',
      nonMemoryToolHandler: (name) => {
        handled.push(name);
        return 'should not run';
      },
      handlerTools: ['lookup_weather'],
    });
    expect(turn.text).toBe('true|no handler exists for tool "book_flight" in this application');
    expect(handled).toEqual([]);
    expect(turn.leftCalls).toEqual([]);
  });

  it('rejects handlerTools without a handler and an unknown answerUnownedTools, before any request', async () => {
    const fixture = await startSession((turn) => turn.say('never'));
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const attempt = (options: Record<string, unknown>) =>
      runSessionTurn(client, brain, { sessionId, bankId, prompt: 'go', ...options } as never).catch((e) => e);
    expect(await attempt({ handlerTools: ['lookup_weather'] })).toMatchObject({
      code: 'invalid_input',
      details: { field: 'handlerTools' },
    });
    expect(await attempt({ answerUnownedTools: 'ignore' })).toMatchObject({
      details: { field: 'answerUnownedTools' },
    });
    expect(await attempt({ onToolConfirmation: 'allow' })).toMatchObject({
      details: { field: 'onToolConfirmation' },
    });
    expect(emulator.events(sessionId)).toEqual([]);
  });
});
