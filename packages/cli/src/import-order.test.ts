import { Readable } from 'node:stream';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import type { Brain } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { everything, tempProject } from './cli-process.fixture.js';
import { readConversationLines } from './conversation-lines.js';
import { importConversations } from './import-conversations.js';
import type { ImportSummary } from './import-summary.js';

// Sessions of every length, split into calls of 3 turns, two of them coming back after others, and turns over the
// content limit spread through them: what storing two sessions at once could reorder.
const SESSIONS = ['a', 'b', 'c', 'a', 'd', 'e', 'b', 'f'];
const LENGTHS = [8, 1, 5, 4, 2, 7, 3, 1];
const TOO_LONG = 'x'.repeat(300);

function transcript(): { jsonl: string; byLine: { session: string; text: string }[] } {
  const byLine: { session: string; text: string }[] = [];
  SESSIONS.forEach((session, part) => {
    for (let i = 0; i < (LENGTHS[part] as number); i++) {
      const text = byLine.length % 5 === 3 ? TOO_LONG : `Turn ${byLine.length} of session ${session}.`;
      byLine.push({ session, text });
    }
  });
  const jsonl = byLine
    .map(({ session, text }, i) => JSON.stringify({ session, speaker: i % 2 ? 'agent' : 'user', text }))
    .join('\n');
  return { jsonl, byLine };
}

describe('importing conversations, two sessions at once', () => {
  it('appends every session in line order and counts the results in line order, as one session at a time would', async () => {
    const { dir } = tempProject();
    const brain = await createSqliteBrain({ path: `${dir}/order.db`, limits: { maxContentLength: 200 } });
    try {
      const { jsonl, byLine } = transcript();
      const read = await readConversationLines(Readable.from([jsonl]));
      const progress: number[] = [];
      const summary: ImportSummary = await importConversations(brain, 'chats', read, {
        batchSize: 3,
        onProgress: (s) => progress.push(s.records),
      });
      const tooLong = byLine.flatMap((line, i) => (line.text === TOO_LONG ? [i + 1] : []));
      expect(summary).toMatchObject({ stored: byLine.length - tooLong.length, invalid: tooLong.length });
      expect(summary.problems.map((p) => ('line' in p ? p.line : null))).toEqual(tooLong);
      expect(progress).toEqual([...progress].sort((x, y) => x - y));
      expect(progress.at(-1)).toBe(byLine.length);

      const memories = await everything(brain, 'chats');
      for (const session of new Set(SESSIONS)) {
        const said = byLine.filter((line) => line.session === session && line.text !== TOO_LONG).map((l) => l.text);
        const stored = memories
          .filter((m) => m.episode?.id === session)
          .sort((x, y) => (x.episode?.position ?? 0) - (y.episode?.position ?? 0))
          .map((m) => m.text);
        expect(stored).toEqual(said);
      }
    } finally {
      await brain.close();
    }
  });

  it('says every turn stored before a failure stopped it, those of a later session stored beside it too', async () => {
    const { dir } = tempProject();
    const brain = await createSqliteBrain({ path: `${dir}/stop.db` });
    try {
      const jsonl = [
        ['s1', 2],
        ['s2', 4],
        ['s3', 2],
        ['s4', 1],
      ]
        .flatMap(([session, n]) =>
          Array.from({ length: n as number }, (_, i) => ({ session, speaker: 'ann', text: `${session} turn ${i}` })),
        )
        .map((line) => JSON.stringify(line))
        .join('\n');
      // s2 fails (a quota, the store) once s3, taken up beside it, is stored.
      let s3Stored = () => {};
      const s3 = new Promise<void>((resolve) => {
        s3Stored = resolve;
      });
      const failing = {
        retainConversation: async (...args: Parameters<Brain['retainConversation']>) => {
          if (args[1].sessionId === 's2') {
            await s3;
            throw new Error('quota: storing 4 more would pass max_memories');
          }
          const results = await brain.retainConversation(...args);
          if (args[1].sessionId === 's3') s3Stored();
          return results;
        },
      } as Brain;
      let done: ImportSummary | undefined;
      const read = await readConversationLines(Readable.from([jsonl]));
      await expect(
        importConversations(failing, 'chats', read, {
          onProgress: (s) => {
            done = structuredClone(s);
          },
        }),
      ).rejects.toThrow(/quota/);
      const stored = await everything(brain, 'chats');
      expect(stored.map((m) => m.episode?.id)).toEqual(expect.arrayContaining(['s1', 's1', 's3', 's3']));
      expect(stored.map((m) => m.episode?.id)).not.toContain('s2');
      expect(done).toMatchObject({ stored: stored.length, deduplicated: 0, records: stored.length });
    } finally {
      await brain.close();
    }
  });
});
