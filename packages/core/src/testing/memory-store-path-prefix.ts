import { expect, it } from 'vitest';
import type { MemoryRecord, MemoryStore, SearchFilter } from '../memory-store.js';
import { axisVector } from './memory-records.js';
import { randomBankId } from './store-factory.js';

/** Builds a record of the suite's dimension; the suite's own `record`. */
type RecordMaker = (bankId: string, text: string, overrides?: Partial<MemoryRecord>) => MemoryRecord;

/**
 * The one path-prefix rule (core's normalizePathPrefix) in every place a store takes a prefix: vector search, keyword
 * search and list. Surrounding slashes and whitespace do not matter; a prefix selects whole segments only.
 */
export function describePathPrefixConformance(
  fresh: () => Promise<MemoryStore>,
  record: RecordMaker,
  filter: SearchFilter,
): void {
  it('reads "/a/b/", "a/b" and " a/b " as the same subtree, which never holds "a/bc"', async () => {
    const store = await fresh();
    const bank = randomBankId();
    const note = (path: string | null, axis: number) =>
      record(bank, `project note ${axis}`, { path, embedding: axisVector(8, 3, axis / 10) });
    const [top, below, sibling, elsewhere, none] = [
      note('a/b', 1),
      note('a/b/c', 2),
      note('a/bc', 3),
      note('x/a/b', 4),
      note(null, 5),
    ];
    await store.insert([top, below, sibling, elsewhere, none], { nearDuplicateThreshold: null });
    const subtree = [top.id, below.id].sort();
    for (const pathPrefix of ['/a/b/', 'a/b', ' a/b ']) {
      const searched = await store.vectorSearch([bank], axisVector(8, 3), 10, { ...filter, pathPrefix });
      const keyword = await store.keywordSearch([bank], ['project'], 10, { ...filter, pathPrefix });
      const listed = await store.list(bank, { limit: 10, pathPrefix });
      for (const ids of [searched, keyword, listed.items].map((hits) => hits.map((h) => h.id).sort())) {
        expect(ids, `pathPrefix ${JSON.stringify(pathPrefix)}`).toEqual(subtree);
      }
    }
    expect((await store.list(bank, { limit: 10, pathPrefix: 'a' })).items.map((m) => m.id).sort()).toEqual(
      [top.id, below.id, sibling.id].sort(),
    );
  });
}
