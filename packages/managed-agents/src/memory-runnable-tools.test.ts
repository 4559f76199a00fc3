import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { Astrocyte } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest, resultCounts } from './__fixtures__/emulated-session-fixture.js';
import { memoryRunnableTools } from './memory-runnable-tools.js';

const startSession = emulatedSessionsPerTest();

describe('memoryRunnableTools', () => {
  it('builds the tools in the BetaRunnableTool shape, bound to the bank', async () => {
    const brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    const tools = memoryRunnableTools(brain, { bankId: 'user-1', includeForget: true, includeReflect: false });
    expect(tools.map((tool) => tool.name)).toEqual(['memory_retain', 'memory_recall', 'memory_forget']);
    const retain = tools[0];
    const stored = JSON.parse(String(await retain?.run(retain.parse({ content: 'I like tea' }))));
    expect(stored).toMatchObject({ stored: true });
    expect((await brain.list('user-1')).items.map((memory) => memory.text)).toEqual(['I like tea']);
    expect(() => retain?.parse('not json')).toThrow(/not valid JSON/);
    await expect(retain?.run({ content: 'x', bank: 'other' })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(() => memoryRunnableTools(brain, { bankId: 'bad bank' })).toThrow(/bankId/);
    // A string from an environment variable is not a yes, and a misspelt option is not silently dropped.
    expect(() => memoryRunnableTools(brain, { bankId: 'user-1', includeForget: 'false' as never })).toThrow(
      /includeForget: must be true or false/,
    );
    expect(() => memoryRunnableTools(brain, { bankId: 'user-1', includeForgot: true } as never)).toThrow(
      /includeForgot/,
    );
    await brain.close();
  });

  it('runs under the SDK session tool runner against the emulator', async () => {
    const fixture = await startSession(async (turn) => {
      const [retained, recalled] = await turn.callTools([
        { name: 'memory_retain', input: { content: 'The wifi password is in the blue folder' } },
        { name: 'memory_recall', input: { query: 'wifi password' } },
      ]);
      turn.say(`${retained?.isError} ${recalled?.isError}`);
      const bad = await turn.callTool('memory_recall', { max_results: 'lots' });
      turn.say(bad.text);
    });
    const { client, brain, sessionId, bankId, emulator } = fixture;
    const runner = client.beta.sessions.events.toolRunner(sessionId, {
      tools: memoryRunnableTools(brain, { bankId }),
      maxIdleMs: 1,
    });
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'go' }] }],
    });
    const calls = [];
    for await (const call of runner) {
      calls.push({ name: call.name, isError: call.isError, posted: call.posted });
      if (calls.length === 3) break;
    }
    expect(calls).toEqual([
      { name: 'memory_retain', isError: false, posted: true },
      { name: 'memory_recall', isError: false, posted: true },
      { name: 'memory_recall', isError: true, posted: true },
    ]);
    expect([...resultCounts(emulator, sessionId).values()]).toEqual([1, 1, 1]);
    expect((await brain.list(bankId)).items).toHaveLength(1);
  });

  it('runs under the Messages API tool runner', async () => {
    const brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
    // A scripted Messages endpoint: first asks for memory_retain, then answers with text.
    const requests: Array<{ messages: Array<{ role: string; content: unknown }> }> = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        requests.push(JSON.parse(body));
        const first = requests.length === 1;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            id: `msg_${requests.length}`,
            type: 'message',
            role: 'assistant',
            model: 'claude-sonnet-4-6',
            content: first
              ? [{ type: 'tool_use', id: 'toolu_1', name: 'memory_retain', input: { content: 'Standup is at 9:30' } }]
              : [{ type: 'text', text: 'Saved.' }],
            stop_reason: first ? 'tool_use' : 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: 1, output_tokens: 1 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new Anthropic({
        baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        apiKey: 'k',
      });
      const final = await client.beta.messages.toolRunner({
        model: 'claude-sonnet-4-6',
        max_tokens: 256,
        messages: [{ role: 'user', content: 'Remember that standup is at 9:30' }],
        tools: memoryRunnableTools(brain, { bankId: 'team-1' }),
      });
      expect(final.content).toEqual([{ type: 'text', text: 'Saved.' }]);
      const lastMessage = requests[1]?.messages.at(-1);
      const toolResult = (lastMessage?.content as Array<{ type: string; content: unknown }> | undefined)?.[0];
      expect(toolResult?.type).toBe('tool_result');
      expect(JSON.stringify(toolResult?.content)).toContain('\\"stored\\":true');
      expect((await brain.list('team-1')).items.map((memory) => memory.text)).toEqual(['Standup is at 9:30']);
    } finally {
      server.close();
      await brain.close();
    }
  });
});
