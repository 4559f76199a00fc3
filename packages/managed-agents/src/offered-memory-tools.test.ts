import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from './__fixtures__/emulated-session-fixture.js';
import type { AgentTurn } from './emulator/index.js';
import { executeCustomTool } from './execute-custom-tool.js';
import { runSessionTurn } from './run-session-with-memory.js';

const startSession = emulatedSessionsPerTest();

/** Recalls, then tries to forget every hit (the model may call a tool it was never given), then says what happened. */
async function recallThenForget(turn: AgentTurn): Promise<void> {
  const { hits } = (await turn.callTool('memory_recall', { query: 'standup' })).json<{
    hits: Array<{ memory_id: string }>;
  }>();
  const forgot = await turn.callTool('memory_forget', { memory_ids: hits.map((hit) => hit.memory_id) });
  turn.say(`${turn.tools.join(',')}|${forgot.isError}|${forgot.text}`);
}

describe('a memory tool the agent was not offered', () => {
  it('answers memory_forget with is_error and erases nothing when the agent got the default tools', async () => {
    const { client, brain, sessionId, bankId } = await startSession(recallThenForget, { memoryTools: {} });
    await brain.retain('The standup moved to 9:30', { bankId });
    const turn = await runSessionTurn(client, brain, { sessionId, bankId, prompt: 'Forget the standup' });
    expect(turn.text).toBe(
      'agent_toolset_20260401,memory_retain,memory_recall,memory_reflect|true|' +
        'tool "memory_forget" was not offered to this agent (forget is off unless includeForget is set); ' +
        'offered: memory_retain, memory_recall, memory_reflect',
    );
    expect(turn.toolCalls.map((call) => [call.name, call.isError, call.posted])).toEqual([
      ['memory_recall', false, true],
      ['memory_forget', true, true],
    ]);
    expect((await brain.list(bankId)).items.map((memory) => memory.text)).toEqual(['The standup moved to 9:30']);
  });

  it('forgets when the agent and the runner both have includeForget', async () => {
    const { client, brain, sessionId, bankId } = await startSession(recallThenForget, {
      memoryTools: { includeForget: true },
    });
    await brain.retain('The standup moved to 9:30', { bankId });
    const turn = await runSessionTurn(client, brain, {
      sessionId,
      bankId,
      prompt: 'Forget the standup',
      includeForget: true,
    });
    expect(turn.text).toMatch(/\|false\|\{"deleted_count":1\}$/);
    expect((await brain.list(bankId)).items).toEqual([]);
  });

  it('refuses memory_reflect with includeReflect false, and never hands a memory name to the other handler', async () => {
    const { brain, bankId } = await startSession(() => undefined);
    const handled: string[] = [];
    const call = { id: 'sevt_1', type: 'agent.custom_tool_use', name: 'memory_reflect', input: { query: 'standup' } };
    const outcome = await executeCustomTool(call as never, {
      brain,
      bankId,
      includeReflect: false,
      nonMemoryToolHandler: (name) => {
        handled.push(name);
        return 'handled';
      },
    });
    expect(outcome).toEqual({
      text: 'tool "memory_reflect" was not offered to this agent; offered: memory_retain, memory_recall',
      isError: true,
    });
    expect(handled).toEqual([]);
  });

  it('runs no forget when includeForget is a string, answering with what is wrong', async () => {
    const { brain, bankId } = await startSession(() => undefined);
    const kept = await brain.retain('The standup moved to 9:30', { bankId });
    const call = {
      id: 'sevt_2',
      type: 'agent.custom_tool_use',
      name: 'memory_forget',
      input: { memory_ids: [kept.memoryId] },
    };
    const outcome = await executeCustomTool(call as never, { brain, bankId, includeForget: 'false' as never });
    expect(outcome).toEqual({ text: 'includeForget: must be true or false, got "false"', isError: true });
    expect((await brain.list(bankId)).items.map((memory) => memory.text)).toEqual(['The standup moved to 9:30']);
  });
});
