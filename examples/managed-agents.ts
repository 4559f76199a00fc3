// Astrocyte memory in a Claude Managed Agent: the quick start of docs/managed-agents.md.
// With ANTHROPIC_API_KEY set it runs against the real API (it creates an agent, an environment and a session, and
// removes them at the end). Without it, it runs offline against the local emulator and a SCRIPTED agent.
// Run with `pnpm tsx --conditions=@astrocyte/source examples/managed-agents.ts`.
import Anthropic from '@anthropic-ai/sdk';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import {
  type CustomToolUseEvent,
  deleteManagedSession,
  handleMemoryTool,
  isMemoryTool,
  memoryToolDefinitions,
  runSessionWithMemory,
} from '@astrocyte/managed-agents';
import { keywordMemoryAgent, startManagedAgentsEmulator } from '@astrocyte/managed-agents/emulator';

// biome-ignore lint/suspicious/noUndeclaredEnvVars: examples run directly with tsx, never as a turbo task.
const live = Boolean(process.env.ANTHROPIC_API_KEY);
const emulator = live ? undefined : await startManagedAgentsEmulator({ agent: keywordMemoryAgent() });
const client = emulator ? new Anthropic({ baseURL: emulator.url, apiKey: 'offline' }) : new Anthropic();
console.log(live ? 'Using the Claude Managed Agents API.' : `Offline: emulator at ${emulator?.url}, scripted agent.`);

// An in-memory SQLite brain keeps the example repeatable; Astrocyte.fromConfig() gives a persistent one.
const brain = await createSqliteBrain({ path: ':memory:' });
const bankId = 'user-123';

// 1. Create an agent with the Astrocyte memory tools.
const agent = await client.beta.agents.create({
  name: 'Assistant with memory',
  model: 'claude-sonnet-4-6',
  system: 'You are a helpful assistant with long-term memory. Use the memory tools to remember and recall facts.',
  tools: [{ type: 'agent_toolset_20260401' }, ...memoryToolDefinitions()],
});

// 2. Create an environment and a session.
const environment = await client.beta.environments.create({
  name: 'astrocyte-example',
  config: { type: 'cloud', networking: { type: 'unrestricted' } },
});
const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });

try {
  // 3. One turn with the event loop written by hand.
  console.log('\n> Remember that I prefer dark mode.');
  const calls = new Map<string, CustomToolUseEvent>();
  const answered = new Set<string>();
  // Open the stream first: it never replays events sent before it attached.
  const stream = await client.beta.sessions.events.stream(session.id);
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'Remember that I prefer dark mode.' }] }],
  });
  for await (const event of stream) {
    if (event.type === 'agent.message') {
      for (const block of event.content) if (block.type === 'text') process.stdout.write(`${block.text}\n`);
    } else if (event.type === 'agent.custom_tool_use') {
      calls.set(event.id, event);
    } else if (event.type === 'session.status_idle') {
      if (event.stop_reason.type !== 'requires_action') break;
      // Answer every waiting id in one request; the session re-sends the idle for ids still open.
      const results = [];
      for (const id of event.stop_reason.event_ids) {
        const call = calls.get(id);
        if (!call || answered.has(id)) continue;
        answered.add(id);
        let text: string;
        let isError = false;
        try {
          if (!isMemoryTool(call.name)) throw new Error(`no handler for ${call.name}`);
          text = await handleMemoryTool(brain, call.name, call.input, { bankId });
        } catch (error) {
          text = (error as Error).message;
          isError = true;
        }
        console.log(`  [${call.name}] ${text}`);
        results.push({
          type: 'user.custom_tool_result' as const,
          custom_tool_use_id: id,
          content: [{ type: 'text' as const, text }],
          is_error: isError,
        });
      }
      if (results.length > 0) await client.beta.sessions.events.send(session.id, { events: results });
    }
  }

  // 4. The next turn with the one-call helper: reconnects, retries, parallel calls and time-outs handled.
  console.log('\n> What are my preferences?');
  const answer = await runSessionWithMemory(client, brain, {
    sessionId: session.id,
    prompt: 'What are my preferences?',
    bankId,
    timeoutSeconds: 120,
  });
  console.log(answer);

  const { items } = await brain.list(bankId);
  console.log(`\nThe bank ${bankId} holds ${items.length} memory: ${items.map((memory) => memory.text).join('; ')}`);
} finally {
  await deleteManagedSession(client, session.id);
  await client.beta.environments.delete(environment.id);
  await client.beta.agents.archive(agent.id);
  await brain.close();
  await emulator?.close();
}
