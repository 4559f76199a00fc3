import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRouterEmbeddingModel } from '@mastra/core/llm';
import { LibSQLStore, LibSQLVector } from '@mastra/libsql';
import { Memory } from '@mastra/memory';
import { randomSuffix } from '../lib/backends.js';
import { itemText, type PeerEnvironment, type PeerItem, type PeerSystem, packageVersion } from './peer-system.js';

type MastraMessage = Parameters<Memory['saveMessages']>[0]['messages'][number];

/**
 * Mastra memory (`@mastra/memory`) on an embedded libsql file, storage and vectors in the same file as Mastra's
 * docs show, with semantic recall on and its embedder pointed at the shared endpoint through Mastra's model router
 * (`ModelRouterEmbeddingModel` with a `url`, its OpenAI-compatible path). Memories are user messages saved to one
 * thread with `saveMessages`, which embeds each and upserts the vectors; search is `recall` with a
 * `vectorSearchString`, resource-scoped, `topK` = limit and `messageRange` 0 so that only the matches come back.
 */
export async function openMastraPeer(env: PeerEnvironment): Promise<PeerSystem> {
  process.env.MASTRA_TELEMETRY_DISABLED = '1';
  const dir = mkdtempSync(join(tmpdir(), 'astrocyte-bench-mastra-'));
  const url = `file:${join(dir, 'mastra.db')}`;
  const storage = new LibSQLStore({ id: 'bench-storage', url });
  const vector = new LibSQLVector({ id: 'bench-vector', url });
  const memory = new Memory({
    storage,
    vector,
    embedder: new ModelRouterEmbeddingModel({
      providerId: 'openai',
      modelId: env.embeddingModel,
      url: env.embeddingBaseURL,
      apiKey: 'not-used',
    }),
    // No history window: only semantic recall is measured.
    options: { lastMessages: false, semanticRecall: { topK: 10, messageRange: 0, scope: 'resource' } },
  });
  const resourceId = `bench-${randomSuffix()}`;
  const threadId = `thread-${randomSuffix()}`;
  await memory.createThread({ resourceId, threadId });
  // Every message its own instant, as in a conversation: Mastra finds a recalled message by its thread and
  // createdAt, so messages sharing a timestamp would shadow each other.
  let lastTime = 0;
  const nextTime = () => {
    lastTime = Math.max(lastTime + 1, Date.now());
    return new Date(lastTime);
  };
  const save = async (items: PeerItem[]) => {
    const messages: MastraMessage[] = items.map(itemText).map((text) => ({
      id: randomUUID(),
      role: 'user',
      createdAt: nextTime(),
      threadId,
      resourceId,
      content: { format: 2, parts: [{ type: 'text', text }], content: text },
    }));
    await memory.saveMessages({ messages });
    return messages.map((message) => [message.id]);
  };
  return {
    label: `Mastra memory ${packageVersion('@mastra/memory')} (libsql ${packageVersion('@mastra/libsql')})`,
    addBatch: save,
    async addOne(text) {
      await save([{ text }]);
    },
    async search(query, limit) {
      const { messages } = await memory.recall({
        threadId,
        resourceId,
        vectorSearchString: query,
        threadConfig: { semanticRecall: { topK: limit, messageRange: 0, scope: 'resource' } },
      });
      return messages.map((message) => message.id);
    },
    afterLoad: () => Promise.resolve(),
    async close() {
      await memory.settled();
      await Promise.allSettled([vector.close(), storage.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
