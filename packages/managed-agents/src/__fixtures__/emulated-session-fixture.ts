import { randomUUID } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import { type AccessOptions, type Brain, memoryToolDefinitions } from '@astrocyte/core';
import { afterEach } from 'vitest';
import { type ManagedAgentsEmulator, type ScriptedAgent, startManagedAgentsEmulator } from '../emulator/index.js';

/** An emulator, an SDK client pointed at it, a real brain (SQLite in memory) and one session with the memory tools. */
export interface EmulatedSessionFixture {
  emulator: ManagedAgentsEmulator;
  client: Anthropic;
  brain: Brain;
  sessionId: string;
  bankId: string;
  /** Creates another session on the same agent. */
  newSession(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the fixture; `maxRetries` reaches `new Anthropic`, `access` the brain, `memoryTools` the agent's
 * `memoryToolDefinitions` (default: every memory tool, forget included).
 */
export async function startEmulatedSession(
  agent: ScriptedAgent,
  options: {
    maxRetries?: number;
    access?: AccessOptions;
    memoryTools?: Parameters<typeof memoryToolDefinitions>[0];
  } = {},
): Promise<EmulatedSessionFixture> {
  const emulator = await startManagedAgentsEmulator({ agent });
  const { access, memoryTools = { includeForget: true }, ...clientOptions } = options;
  const client = new Anthropic({ baseURL: emulator.url, apiKey: 'test-key', ...clientOptions });
  const brain = await createSqliteBrain({ path: ':memory:', ...(access ? { access } : {}) });
  const created = await client.beta.agents.create({
    name: 'Assistant with memory',
    model: 'claude-sonnet-4-6',
    system: 'You are a helpful assistant with long-term memory.',
    tools: [{ type: 'agent_toolset_20260401' }, ...memoryToolDefinitions(memoryTools)],
  });
  const environment = await client.beta.environments.create({
    name: 'test-env',
    config: { type: 'cloud', networking: { type: 'unrestricted' } },
  });
  const newSession = async () =>
    (await client.beta.sessions.create({ agent: created.id, environment_id: environment.id })).id;
  return {
    emulator,
    client,
    brain,
    sessionId: await newSession(),
    bankId: `bank-${randomUUID().slice(0, 8)}`,
    newSession,
    async close() {
      await brain.close();
      await emulator.close();
    },
  };
}

/**
 * For the tests of a file (call once, at the top level): a `startEmulatedSession` whose fixtures are closed after
 * the test that started them.
 */
export function emulatedSessionsPerTest(): typeof startEmulatedSession {
  const open: EmulatedSessionFixture[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((fixture) => fixture.close()));
  });
  return async (agent, options) => {
    const fixture = await startEmulatedSession(agent, options);
    open.push(fixture);
    return fixture;
  };
}

/** How many `user.custom_tool_result` events answer each tool-use id in the session's log. */
export function resultCounts(emulator: ManagedAgentsEmulator, sessionId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of emulator.events(sessionId)) {
    if (event.type !== 'user.custom_tool_result') continue;
    const id = event.custom_tool_use_id as string;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** The ids of every `agent.custom_tool_use` in the session's log. */
export function toolUseIds(emulator: ManagedAgentsEmulator, sessionId: string): string[] {
  return emulator
    .events(sessionId)
    .filter((event) => event.type === 'agent.custom_tool_use')
    .map((event) => event.id);
}
