import {
  type Brain,
  checkBankId,
  type Memory,
  type MemoryHit,
  type MemoryVersion,
  ValidationError,
} from '@astrocyte/core';
import { Hono } from 'hono';

/** The memory panel's API over the brain: banks, a bank's memories, recall search, history and forget. */
export function memoryRoutes(brain: Brain): Hono {
  const app = new Hono();

  app.get('/banks', async (c) => c.json({ banks: await brain.banks() }));

  app.get('/banks/:bank/memories', async (c) => {
    const bankId = checkBankId(c.req.param('bank'), 'bank');
    const cursor = c.req.query('cursor');
    const page = await brain.list(bankId, { limit: 100, ...(cursor ? { cursor } : {}) });
    return c.json({ memories: page.items.map(memoryJson), nextCursor: page.nextCursor });
  });

  app.get('/banks/:bank/recall', async (c) => {
    const bankId = checkBankId(c.req.param('bank'), 'bank');
    const query = c.req.query('q')?.trim();
    if (!query) throw new ValidationError('q', 'is required: the text to search memory for');
    const result = await brain.recall(query, { bankId, maxResults: 10 });
    return c.json({ hits: result.hits.map(hitJson), total: result.totalAvailable });
  });

  app.get('/banks/:bank/memories/:id/history', async (c) => {
    const bankId = checkBankId(c.req.param('bank'), 'bank');
    const versions = await brain.history(bankId, c.req.param('id'));
    return c.json({ versions: versions.map(versionJson) });
  });

  app.delete('/banks/:bank/memories/:id', async (c) => {
    const bankId = checkBankId(c.req.param('bank'), 'bank');
    const result = await brain.forget(bankId, {
      memoryIds: [c.req.param('id')],
      reason: 'forgotten from the demo memory panel',
      context: { actor: 'demo-user' },
    });
    return c.json({ deletedCount: result.deletedCount, skipped: result.skipped ?? [] });
  });

  return app;
}

function memoryJson(memory: Memory) {
  return {
    id: memory.id,
    text: memory.text,
    tags: memory.tags,
    createdAt: memory.createdAt.toISOString(),
    ...(memory.path ? { path: memory.path } : {}),
    ...conversationJson(memory),
  };
}

// Who said a conversation turn, and where it stands in its session.
function conversationJson(memory: Memory | MemoryHit) {
  return {
    ...(memory.speaker ? { speaker: memory.speaker } : {}),
    ...(memory.episode ? { episode: memory.episode } : {}),
  };
}

function hitJson(hit: MemoryHit) {
  return {
    id: hit.memoryId,
    text: hit.text,
    tags: hit.tags,
    score: hit.score,
    createdAt: hit.createdAt.toISOString(),
    ...conversationJson(hit),
  };
}

function versionJson(version: MemoryVersion) {
  return {
    version: version.version,
    action: version.action,
    text: version.text,
    at: version.at.toISOString(),
    ...(version.actor ? { actor: version.actor } : {}),
    ...(version.reason ? { reason: version.reason } : {}),
  };
}
