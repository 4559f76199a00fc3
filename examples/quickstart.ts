// Retain and recall on a local SQLite file: no API key, no server. Run with `pnpm quickstart`.
import { Astrocyte, handleMemoryTool } from '@astrocyte/core';

// With no astrocyte.yaml this is the embedded default: SQLite at ./astrocyte.db, local embedder, no LLM.
const brain = await Astrocyte.fromConfig();
const bankId = 'user-123';

for (const fact of [
  'I prefer dark mode in every editor',
  'My daughter Lina starts school on 3 September',
  'The team standup moved to 9:30',
]) {
  const result = await brain.retain(fact, { bankId, tags: ['quickstart'] });
  console.log(result.stored ? `stored     ${fact}` : `already had ${fact}`);
}

const { hits } = await brain.recall('When is standup?', { bankId, maxResults: 2 });
console.log('\nrecall "When is standup?"');
for (const hit of hits) console.log(`  ${hit.score.toFixed(3)}  ${hit.text}`);

// The same brain behind the agent tools: exactly what a model receives.
console.log('\nmemory_recall tool result:');
console.log(await handleMemoryTool(brain, 'memory_recall', { query: 'editor preference', max_results: 1 }, { bankId }));

await brain.close();
