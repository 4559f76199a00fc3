import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '@astrocyte/core';
import { type ManagedAgentsEmulator, startManagedAgentsEmulator } from '@astrocyte/managed-agents/emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SYSTEM_PROMPT, ManagedAgentResources } from './managed-agent-resources.js';
import { scriptedMemoryAgent } from './scripted-memory-agent.js';

// The live mode's setup code, run through the official SDK against the emulator (the real API needs a key).
describe('ManagedAgentResources', () => {
  let emulator: ManagedAgentsEmulator;
  let client: Anthropic;
  let dir: string;
  const spec = { name: 'test agent', model: 'claude-sonnet-4-6', system: DEMO_SYSTEM_PROMPT };

  beforeEach(async () => {
    emulator = await startManagedAgentsEmulator({ agent: scriptedMemoryAgent });
    client = new Anthropic({ baseURL: emulator.url, apiKey: 'test', maxRetries: 0 });
    dir = mkdtempSync(join(tmpdir(), 'astrocyte-demo-ids-'));
  });
  afterEach(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const creates = () =>
    emulator.requests.filter((r) => r.method === 'POST' && /^\/v1\/(agents|environments|sessions)$/.test(r.path));

  it('creates the agent with the built-in toolset and the four memory tools, once, and one session per bank', async () => {
    const resources = new ManagedAgentResources(client, spec);
    const [a, again] = await Promise.all([resources.sessionFor('alice'), resources.sessionFor('alice')]);
    expect(again).toBe(a);
    const b = await resources.sessionFor('bob');
    expect(b).not.toBe(a);
    expect(creates().map((r) => r.path)).toEqual(['/v1/agents', '/v1/environments', '/v1/sessions', '/v1/sessions']);
    const agent = emulator.session(a)?.agent;
    expect(agent?.tools.map((tool) => tool.name ?? tool.type)).toEqual([
      'agent_toolset_20260401',
      'memory_retain',
      'memory_recall',
      'memory_reflect',
      'memory_forget',
    ]);
  });

  it('keeps the ids in the state file and reuses them on the next run', async () => {
    const file = join(dir, 'ids.json');
    const first = await new ManagedAgentResources(client, spec, file).sessionFor('alice');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.sessions).toEqual({ alice: first });
    const before = creates().length;
    const second = await new ManagedAgentResources(client, spec, file).sessionFor('alice');
    expect(second).toBe(first);
    expect(creates().length).toBe(before);
  });

  it('replaces ids the API no longer knows', async () => {
    const file = join(dir, 'ids.json');
    writeFileSync(
      file,
      JSON.stringify({ agentId: 'agent_gone', environmentId: 'env_gone', sessions: { alice: 'sesn_gone' } }),
    );
    const session = await new ManagedAgentResources(client, spec, file).sessionFor('alice');
    expect(session).not.toBe('sesn_gone');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.agentId).not.toBe('agent_gone');
    expect(saved.environmentId).not.toBe('env_gone');
    expect(saved.sessions).toEqual({ alice: session });
  });

  it('refuses a state file that is not JSON, naming it', () => {
    const file = join(dir, 'ids.json');
    writeFileSync(file, '{ not json');
    expect(() => new ManagedAgentResources(client, spec, file)).toThrow(ConfigError);
    expect(() => new ManagedAgentResources(client, spec, file)).toThrow(file);
  });
});
