import { OpenAIEmbedder } from '@astrocyte/core';
import { analyzeTable, type BackendName, openBenchBrain, randomSuffix } from '../lib/backends.js';
import type { PeerEnvironment, PeerSystem } from './peer-system.js';

/**
 * Astrocyte on a fresh SQLite file or Postgres schema, with its `openai` embedder on the shared endpoint, so that
 * it pays the same HTTP hop for the same vectors as the peers. Batches go through `retainMany` (conversation turns
 * through `retainConversation`, one call an episode), single writes through `retain`, searches through `recall`:
 * the default pipeline, governance and dedup included.
 */
export async function openAstrocytePeer(backend: BackendName, env: PeerEnvironment): Promise<PeerSystem> {
  // An embedder of its own: its query cache must never answer a query another system embedded first.
  const embedder = await OpenAIEmbedder.create({
    model: env.embeddingModel,
    dimensions: env.dimensions,
    baseURL: env.embeddingBaseURL,
    apiKey: 'not-used',
  });
  const opened = await openBenchBrain(backend, { postgresUrl: env.postgresUrl, embedder });
  const { brain } = opened;
  const bankId = `peer-${randomSuffix()}`;
  return {
    label: `Astrocyte ${backend === 'sqlite' ? 'SQLite' : 'Postgres'}`,
    async addBatch(items) {
      // Turns of a conversation go in as one, speakers as a field; plain texts as a batch of memories.
      const results = items.every((item) => item.speaker !== undefined)
        ? await brain.retainConversation(
            items.map((item) => ({ speaker: item.speaker as string, text: item.text })),
            { bankId },
          )
        : await brain.retainMany(
            items.map((item) => ({ content: item.text })),
            { bankId },
          );
      // A long text is stored as chunks and found through any of them; a duplicate under the memory it repeats.
      return results.map((r) => r.chunkIds ?? (r.memoryId ? [r.memoryId] : []));
    },
    async addOne(text) {
      await brain.retain(text, { bankId });
    },
    async search(query, limit) {
      const { hits } = await brain.recall(query, { bankId, maxResults: limit });
      return hits.map((hit) => hit.memoryId);
    },
    afterLoad: () => (backend === 'postgres' ? analyzeTable(env.postgresUrl, opened.location) : Promise.resolve()),
    close: () => opened.dispose(),
  };
}
