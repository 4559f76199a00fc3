import Anthropic from '@anthropic-ai/sdk';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import { handleMemoryTool, memoryToolDefinitions } from '@astrocyte/core';
import { runSessionWithMemory } from '@astrocyte/managed-agents';
import { startManagedAgentsEmulator } from '@astrocyte/managed-agents/emulator';
import { intFlag, readFlags } from '../lib/args.js';
import { randomSuffix } from '../lib/backends.js';
import { memoryCorpus, queryCorpus } from '../lib/memory-corpus.js';
import { writeResults } from '../lib/results.js';
import { type LatencySummary, quantile, summarize } from '../lib/stats.js';
import { printTable } from '../lib/table.js';
import { sampleInterleaved } from '../lib/timing.js';
import { minimalSessionTurn } from './minimal-session-loop.js';

const USAGE = `Integration overhead: handleMemoryTool against a direct brain call, and runSessionWithMemory per tool round
trip against a hand-written minimal loop, both over the Managed Agents emulator with the official SDK.
  --memories 1000     memories in the bank the tools read
  --iterations 2000   timed tool calls per operation
  --turns 60          timed session turns per loop and per tool-call count
  --calls 10          tool calls per turn (the per-round-trip cost is the slope from 0 to this many)`;

const flags = readFlags({
  memories: 'string',
  iterations: 'string',
  turns: 'string',
  calls: 'string',
  help: 'boolean',
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const memories = intFlag(flags.memories, 1000, 'memories');
const iterations = intFlag(flags.iterations, 2000, 'iterations');
const turns = intFlag(flags.turns, 60, 'turns');
const calls = intFlag(flags.calls, 10, 'calls');

/** The median of per-iteration differences: robust to the outliers a shared machine produces. */
function medianDifference(a: number[], b: number[]): number {
  const diffs = a.map((x, i) => x - (b[i] as number)).sort((x, y) => x - y);
  return quantile(diffs, 0.5);
}

const brain = await createSqliteBrain({ path: ':memory:' });
const bankId = `bench-${randomSuffix()}`;
const corpus = memoryCorpus(memories + iterations * 2 + 400, 31);
for (let i = 0; i < memories; i += 1000) {
  await brain.retainMany(
    corpus.slice(i, Math.min(memories, i + 1000)).map((content) => ({ content })),
    { bankId },
  );
}
const queries = queryCorpus(500, 33);

// 1. handleMemoryTool against the brain call it wraps.
process.stdout.write('Timing handleMemoryTool against direct brain calls ...\n');
const recall = await sampleInterleaved(iterations, {
  tool: (i) =>
    handleMemoryTool(brain, 'memory_recall', { query: queries[i % queries.length], max_results: 5 }, { bankId }),
  direct: (i) => brain.recall(queries[i % queries.length] as string, { bankId, maxResults: 5 }),
});
let next = memories;
const retain = await sampleInterleaved(iterations, {
  tool: () => handleMemoryTool(brain, 'memory_retain', { content: corpus[next++], tags: 'bench, tool' }, { bankId }),
  direct: () => brain.retain(corpus[next++] as string, { bankId, tags: ['bench', 'tool'] }),
});

// 2. The session runner against the minimal loop, over the emulator, with turns of 0 and `calls` tool calls.
process.stdout.write('Timing session turns over the emulator ...\n');
const emulator = await startManagedAgentsEmulator({
  agent: async (turn) => {
    const count = Number(turn.message.split(' ')[0]);
    for (let i = 0; i < count; i++) {
      await turn.callTool('memory_recall', {
        query: queries[(turn.turnIndex * 7 + i) % queries.length],
        max_results: 5,
      });
    }
    turn.say(`done after ${count} calls`);
  },
});
const client = new Anthropic({ baseURL: emulator.url, apiKey: 'bench-key' });
const agent = await client.beta.agents.create({
  name: 'bench agent',
  model: 'claude-sonnet-4-6',
  tools: [{ type: 'agent_toolset_20260401' }, ...memoryToolDefinitions()],
});
const environment = await client.beta.environments.create({
  name: 'bench-env',
  config: { type: 'cloud', networking: { type: 'unrestricted' } },
});
const newSession = async () =>
  (await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })).id;
const sessions = { runner: await newSession(), minimal: await newSession() };
const session: Record<string, LatencySummary> = {};
const raw: Record<string, number[]> = {};
try {
  for (const count of [0, calls]) {
    const prompt = `${count} tool calls please`;
    const timed = await sampleInterleaved(
      turns,
      {
        runner: async () => {
          const text = await runSessionWithMemory(client, brain, { sessionId: sessions.runner, prompt, bankId });
          if (text !== `done after ${count} calls`) throw new Error(`unexpected runner reply: ${text}`);
        },
        minimal: async () => {
          const text = await minimalSessionTurn(client, brain, sessions.minimal, prompt, bankId);
          if (text !== `done after ${count} calls`) throw new Error(`unexpected minimal-loop reply: ${text}`);
        },
      },
      10,
    );
    for (const key of ['runner', 'minimal'] as const) {
      session[`${key}-${count}`] = summarize(timed[key]);
      raw[`${key}-${count}`] = timed[key];
    }
  }
} finally {
  await emulator.close();
  await brain.close();
}
if (emulator.rejectedEvents.length > 0 || emulator.agentErrors.length > 0) {
  throw new Error(
    `the emulator reported problems: ${JSON.stringify({ rejected: emulator.rejectedEvents, errors: emulator.agentErrors.map(String) })}`,
  );
}

const perRoundTrip = (key: 'runner' | 'minimal') =>
  ((session[`${key}-${calls}`] as LatencySummary).p50 - (session[`${key}-0`] as LatencySummary).p50) / calls;
const runnerRoundTrip = perRoundTrip('runner');
const minimalRoundTrip = perRoundTrip('minimal');

const toolRows = [
  [
    'memory_recall (max_results 5)',
    summarize(recall.tool),
    summarize(recall.direct),
    medianDifference(recall.tool, recall.direct),
  ],
  [
    'memory_retain (2 tags)',
    summarize(retain.tool),
    summarize(retain.direct),
    medianDifference(retain.tool, retain.direct),
  ],
] as const;
printTable(
  `handleMemoryTool against the direct brain call (SQLite, ${memories.toLocaleString('en-US')} memories, ${iterations.toLocaleString('en-US')} calls each, ms)`,
  [
    { header: 'operation', align: 'left' },
    { header: 'tool p50', digits: 3 },
    { header: 'direct p50', digits: 3 },
    { header: 'tool p95', digits: 3 },
    { header: 'direct p95', digits: 3 },
    { header: 'overhead (median of paired differences)', digits: 3 },
  ],
  toolRows.map(([name, tool, direct, overhead]) => [name, tool.p50, direct.p50, tool.p95, direct.p95, overhead]),
);
printTable(
  `Session turns over the emulator (official SDK over local HTTP, ${turns} turns each, ms)`,
  [
    { header: 'loop', align: 'left' },
    { header: 'turn p50, 0 calls', digits: 2 },
    { header: `turn p50, ${calls} calls`, digits: 2 },
    { header: `turn p95, ${calls} calls`, digits: 2 },
    { header: 'per tool round trip (slope of p50)', digits: 3 },
  ],
  (['runner', 'minimal'] as const).map((key) => [
    key === 'runner' ? 'runSessionWithMemory' : 'minimal hand-written loop',
    (session[`${key}-0`] as LatencySummary).p50,
    (session[`${key}-${calls}`] as LatencySummary).p50,
    (session[`${key}-${calls}`] as LatencySummary).p95,
    perRoundTrip(key),
  ]),
);
const toolOverhead = Math.max(...toolRows.map((r) => r[3]));
const runnerOverhead = runnerRoundTrip - minimalRoundTrip;
printTable(
  'Targets',
  [
    { header: 'target', align: 'left' },
    { header: 'measured', align: 'right' },
    { header: 'met', align: 'left' },
  ],
  [
    ['handleMemoryTool overhead ≤ 0.2 ms', `${toolOverhead.toFixed(3)} ms`, toolOverhead <= 0.2 ? 'yes' : 'NO'],
    [
      'runner overhead ≤ 2 ms per tool round trip',
      `${runnerOverhead.toFixed(3)} ms`,
      runnerOverhead <= 2 ? 'yes' : 'NO',
    ],
  ],
);
writeResults('integration', {
  memories,
  iterations,
  turns,
  calls,
  handleMemoryTool: Object.fromEntries(
    toolRows.map(([name, tool, direct, overhead]) => [name, { tool, direct, overheadMs: overhead }]),
  ),
  session,
  perRoundTripMs: { runner: runnerRoundTrip, minimal: minimalRoundTrip, overhead: runnerOverhead },
});
