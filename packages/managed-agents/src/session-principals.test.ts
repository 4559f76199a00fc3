import { describe, expect, it } from 'vitest';
import { emulatedSessionsPerTest } from './__fixtures__/emulated-session-fixture.js';
import { runSessionWithMemory } from './run-session-with-memory.js';

const startSession = emulatedSessionsPerTest();

// Each user owns the bank named after them; agent:reader may read every bank and write none.
const access = {
  grants: [
    { principal: 'user:{bank}', banks: '{bank}', permissions: ['read' as const, 'write' as const] },
    { principal: 'agent:reader', banks: '*', permissions: ['read' as const] },
  ],
};

// Retains, then recalls, and says how each call went.
async function retainThenRecall(turn: Parameters<Parameters<typeof startSession>[0]>[0]) {
  const retained = await turn.callTool('memory_retain', { content: 'The standup moved to 9:30' });
  const recalled = await turn.callTool('memory_recall', { query: 'standup' });
  turn.say([retained, recalled].map((result) => `${result.isError}|${result.text}`).join('\n'));
}

describe('runSessionWithMemory with access configured', () => {
  it('runs the memory tools as context.principal: granted, they retain and recall', async () => {
    const { client, brain, sessionId, bankId } = await startSession(retainThenRecall, { access });
    const text = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      prompt: 'Remember the standup time',
      context: { principal: bankId, requestId: 'req-1' },
    });
    const [retained, recalled] = text.split('\n');
    expect(retained).toMatch(/^false\|\{"stored":true,/);
    expect(recalled).toMatch(/^false\|.*The standup moved to 9:30/);
    const context = { principal: `user:${bankId}` };
    const [memory] = (await brain.list(bankId, { context })).items;
    expect(memory?.text).toBe('The standup moved to 9:30');
    const [version] = await brain.history(bankId, memory?.id as string, { context });
    expect(version?.actor).toBe(`user:${bankId}`);
  });

  it('answers a retain the principal may not make with is_error and the denial, and stores nothing', async () => {
    const { client, brain, sessionId, bankId } = await startSession(retainThenRecall, { access });
    const text = await runSessionWithMemory(client, brain, {
      sessionId,
      bankId,
      prompt: 'Remember the standup time',
      context: { principal: 'agent:reader' },
    });
    expect(text.split('\n')).toEqual([
      `true|access denied: agent:reader may not write bank ${bankId}`,
      'false|{"hits":[],"total":0}',
    ]);
    expect((await brain.list(bankId, { context: { principal: 'agent:reader' } })).items).toEqual([]);
  });

  it('without a principal, answers every memory call with the denial', async () => {
    const { client, brain, sessionId, bankId } = await startSession(retainThenRecall, { access });
    const text = await runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go' });
    expect(text.split('\n')).toEqual([
      `true|access denied: an operation with no principal may not write bank ${bankId}`,
      `true|access denied: an operation with no principal may not read bank ${bankId}`,
    ]);
  });

  it('rejects a malformed principal or onBehalfOf in the context, naming the field, before any request', async () => {
    const { client, brain, sessionId, bankId, emulator } = await startSession((turn) => turn.say('never'), {
      access,
    });
    const attempt = (context: Record<string, unknown>) =>
      runSessionWithMemory(client, brain, { sessionId, bankId, prompt: 'go', context } as never).catch((e) => e);
    expect(await attempt({ principal: 'robot:r2' })).toMatchObject({
      code: 'invalid_input',
      details: { field: 'context.principal' },
      message: expect.stringContaining('must be kind:name with kind user, agent or service'),
    });
    expect(await attempt({ principal: bankId, onBehalfOf: 'has space' })).toMatchObject({
      code: 'invalid_input',
      details: { field: 'context.onBehalfOf' },
    });
    expect(await attempt({ principal: bankId, tenant: 'x' })).toMatchObject({
      code: 'invalid_input',
      details: { field: 'context.tenant' },
    });
    expect(emulator.events(sessionId)).toEqual([]);
  });
});
