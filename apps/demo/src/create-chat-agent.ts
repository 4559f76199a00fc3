import Anthropic from '@anthropic-ai/sdk';
import type { Brain } from '@astrocyte/core';
import { startManagedAgentsEmulator } from '@astrocyte/managed-agents/emulator';
import { ChatAgent } from './chat-agent.js';
import { DEMO_SYSTEM_PROMPT, ManagedAgentResources } from './managed-agent-resources.js';
import { scriptedMemoryAgent } from './scripted-memory-agent.js';

/** The label the page and the terminal show for the offline agent. */
export const OFFLINE_LABEL = 'Offline: scripted agent';

const DEFAULT_MODEL = 'claude-sonnet-4-6';

/**
 * The demo's agent. With an API key: Claude on the Managed Agents API, the agent, environment and sessions
 * created once and their ids kept in `stateFile`. Without: the scripted agent on the local emulator, driven
 * through the same official SDK and the same session loop.
 */
export async function createChatAgent(
  brain: Brain,
  options: { apiKey?: string; model?: string; stateFile?: string },
): Promise<ChatAgent> {
  if (options.apiKey) {
    const client = new Anthropic({ apiKey: options.apiKey });
    const model = options.model ?? DEFAULT_MODEL;
    const resources = new ManagedAgentResources(
      client,
      { name: 'Astrocyte demo', model, system: DEMO_SYSTEM_PROMPT },
      options.stateFile,
    );
    return new ChatAgent({ kind: 'live', label: `Live: Claude Managed Agents (${model})` }, client, brain, (bank) =>
      resources.sessionFor(bank),
    );
  }
  const emulator = await startManagedAgentsEmulator({ agent: scriptedMemoryAgent });
  // The emulator accepts any key; an explicit one keeps the SDK from reading the environment.
  const client = new Anthropic({ baseURL: emulator.url, apiKey: 'offline-demo', maxRetries: 1 });
  const resources = new ManagedAgentResources(client, {
    name: 'Astrocyte demo (scripted)',
    model: DEFAULT_MODEL,
    system: DEMO_SYSTEM_PROMPT,
  });
  return new ChatAgent(
    { kind: 'offline', label: OFFLINE_LABEL },
    client,
    brain,
    (bank) => resources.sessionFor(bank),
    () => emulator.close(),
  );
}
