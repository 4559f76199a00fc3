import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from './embedder.js';
import { LocalEmbedder } from './local-embedder.js';

describe('LocalEmbedder', () => {
  const embedder = new LocalEmbedder();

  it('is deterministic, normalized and 384-dimensional by default', async () => {
    const [a, b] = await embedder.embed(['The cat sat on the mat', 'The cat sat on the mat']);
    expect(a).toHaveLength(384);
    expect(a).toEqual(b);
    expect(cosineSimilarity(a as Float32Array, a as Float32Array)).toBeCloseTo(1, 5);
  });

  it('brings inflections and typos closer than unrelated text', () => {
    const query = embedder.embedOne('what are my preferences');
    const related = embedder.embedOne('I prefer tea; my preference is green tea');
    const typo = embedder.embedOne('my preferances');
    const unrelated = embedder.embedOne('the train to Lyon departs at noon');
    expect(cosineSimilarity(query, related)).toBeGreaterThan(cosineSimilarity(query, unrelated) + 0.1);
    expect(cosineSimilarity(query, typo)).toBeGreaterThan(cosineSimilarity(query, unrelated) + 0.1);
  });

  it('gives an all-zero vector for text without words and refuses silly dimensions', () => {
    expect([...embedder.embedOne('!!! ???')].every((x) => x === 0)).toBe(true);
    expect(() => new LocalEmbedder({ dimensions: 3 })).toThrow(RangeError);
    expect(new LocalEmbedder({ dimensions: 64 }).embedOne('x')).toHaveLength(64);
  });
});
