import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryRecord } from '@astrocyte/core/backend';
import { axisVector, memoryRecord, storesPerTest } from '@astrocyte/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYWORD_SCORE_BUDGET, KeywordPlanner } from './keyword-plan.js';
import { openSqliteStore } from './sqlite-memory-store.js';

const DIMENSIONS = 8;
const NOW = new Date('2026-03-01T00:00:00Z');
const keep = { nearDuplicateThreshold: null };
const store = storesPerTest((path?: string) => openSqliteStore({ path: path ?? ':memory:' }), {
  name: 'test-axes',
  dimensions: DIMENSIONS,
});
const dir = mkdtempSync(join(tmpdir(), 'astrocyte-keyword-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(text: string): MemoryRecord {
  return memoryRecord('k', text, { embedding: axisVector(DIMENSIONS, 0), createdAt: NOW });
}

describe('keyword plan', () => {
  it('leaves out the most common terms when the terms together match more than the budget', async () => {
    const s = await store();
    const common = Array.from({ length: KEYWORD_SCORE_BUDGET + 10 }, (_, i) => record(`ordinary note number ${i}`));
    const rare = Array.from({ length: 5 }, (_, i) => record(`ordinary note about zeppelins ${i}`));
    await s.insert([...common, ...rare], keep);
    const planner = new KeywordPlanner(s.database);
    // Porter stemming happens in FTS5's tokenizer: "zeppelins" is counted as the token "zeppelin".
    expect(planner.plan(['ordinary', 'zeppelins'])).toEqual({ terms: ['zeppelins'], newestOnly: null });
    expect(planner.plan(['ordinary'])).toEqual({ terms: ['ordinary'], newestOnly: KEYWORD_SCORE_BUDGET });
    expect(planner.plan(['absentword'])).toEqual({ terms: [], newestOnly: null });
    const hits = await s.keywordSearch(['k'], ['ordinary', 'zeppelins'], 10, { now: NOW });
    expect(hits.map((h) => h.id).sort()).toEqual(rare.map((r) => r.id).sort());
    // Only the newest matches are scored when every term is common, but every hit still matches.
    const capped = await s.keywordSearch(['k'], ['ordinary'], 10, { now: NOW });
    expect(capped).toHaveLength(10);
    // The planner's scratch tables live in the connection's temp schema, never in the file.
    const names = s.database.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'astrocyte_query%'").all();
    expect(names).toEqual([]);
  });

  it('keeps the 32 rarest terms of a longer question, and every term as rare as the last of them', async () => {
    const s = await store();
    // Memory m holds the words w(m) to w(39): w(i) is in i + 1 memories.
    const word = (i: number) => `qword${String.fromCharCode(97 + (i % 26), 97 + Math.floor(i / 26))}x`;
    const all = Array.from({ length: 40 }, (_, i) => word(i));
    await s.insert(
      all.map((_, m) => record(all.slice(m).join(' '))),
      keep,
    );
    const planner = new KeywordPlanner(s.database);
    expect(new Set(planner.plan([...all].reverse()).terms)).toEqual(new Set(all.slice(0, 32)));
    // Forty words of one memory each: none is rarer than another, and none is left out.
    const once = Array.from({ length: 40 }, (_, i) => `single${word(i)}`);
    await s.insert(
      once.map((w) => record(`${w} appears here`)),
      keep,
    );
    expect(new Set(planner.plan(once).terms)).toEqual(new Set(once));
  });

  it('remembers how terms tokenize but reads their frequencies afresh', async () => {
    const s = await store();
    const planner = new KeywordPlanner(s.database);
    expect(planner.plan(['zeppelins', 'ordinary'])).toEqual({ terms: [], newestOnly: null });
    const rows = ['ordinary zeppelin', 'ordinary note'].map(record);
    await s.insert(rows, keep);
    expect(planner.plan(['zeppelins', 'ordinary'])).toEqual({ terms: ['zeppelins', 'ordinary'], newestOnly: null });
  });

  it('reads the frequencies again once another connection changed the database', async () => {
    const path = join(dir, 'shared.db');
    const reader = await store(path);
    const writer = await store(path);
    const planner = new KeywordPlanner(reader.database);
    const common = Array.from({ length: KEYWORD_SCORE_BUDGET + 10 }, (_, i) => record(`ordinary note number ${i}`));
    await writer.insert([...common, record('ordinary zeppelin')], keep);
    expect(planner.plan(['ordinary', 'zeppelins'])).toEqual({ terms: ['zeppelins'], newestOnly: null });
    // Read from the cache while nothing changed; after the other connection's erase, "ordinary" fits the budget.
    expect(planner.plan(['ordinary', 'zeppelins'])).toEqual({ terms: ['zeppelins'], newestOnly: null });
    await writer.erase(
      'k',
      common.slice(0, 20).map((r) => r.id),
      { action: 'forget', at: NOW },
    );
    expect(planner.plan(['ordinary', 'zeppelins'])).toEqual({ terms: ['zeppelins', 'ordinary'], newestOnly: null });
  });
});
