import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
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
    expect(() => new LocalEmbedder({ dimensions: 3 })).toThrow(ValidationError);
    expect(() => new LocalEmbedder({ dimension: 64 } as never)).toThrow(
      /dimension: is not an option of the local embedder; expected dimensions; did you mean "dimensions"\?$/,
    );
    expect(new LocalEmbedder({ dimensions: 64 }).embedOne('x')).toHaveLength(64);
  });

  it('keeps the vector space of local-hash-v1: stored vectors stay comparable with new ones', () => {
    // The sha256 of these texts' vectors as local-hash-v1 computed them when it shipped. A change of any feature, hash
    // or weight changes it, and every bank embedded before would silently stop matching new queries: such a change
    // needs a new embedder name (and a re-embed), not an edit of this value.
    const texts = [
      'I prefer green tea in the morning',
      'The user is not allergic to penicillin',
      'User ID is ABC123; E = mc²; iOS 17',
      'Ça coûte 4 cats — naïve café 日本語',
    ];
    const hash = createHash('sha256');
    for (const text of texts) hash.update(Buffer.from(embedder.embedOne(text).buffer));
    expect(hash.digest('hex')).toBe('04087a74cc773506875673865db8b2881ee4e57b8ca0185ad8fd7b8ee24861a1');
  });

  it('weighs numbers, negations and identifiers as local-hash-v1 has since schema 3, invisible characters left out', () => {
    // The first release embedded this text under the same name without those weights (its sha256 was d0ec79ea…): a
    // store it wrote needed its vectors computed again (the stores' migrations do it for local-hash-v1). A change of
    // these features needs a new name (local-hash-v2) so that stores refuse it and `astrocyte reembed` moves them.
    const text = 'Gate B12 is not open before 3pm on 2025-06-02';
    const digest = (t: string) =>
      createHash('sha256')
        .update(Buffer.from(embedder.embedOne(t).buffer))
        .digest('hex');
    expect(embedder.name).toBe('local-hash-v1');
    expect(digest(text)).toBe('ccdbfd7f5a5827720247d3136c2ee2482690f9a54640da49583b3ea7130f482d');
    expect(digest(text.replace('Gate', 'Ga\u200bte'))).toBe(digest(text));
  });
});

describe('LocalEmbedder on words with combining marks', () => {
  it('keeps the vectors local-hash-v1 stored for them, though core now reads such words whole', () => {
    // The sha256 of these texts' vectors before words kept their marks (Devanagari vowel signs and viramas, Thai and
    // Tamil signs, Hebrew and Arabic points, a dotted capital I, a decomposed accent): stores embedded them so, under
    // this name.
    const texts = [
      'Our office in İzmir opens on Monday',
      'मुझे चाय पसंद है, दिल्ली में',
      'We ordered ข้าวผัด in சென்னையில் and ঢাকায়',
      'Cafe\u0301 at q\u0303 naïve',
      'שָׁלוֹם and مَرْحَبًا',
    ];
    const hash = createHash('sha256');
    for (const text of texts) hash.update(Buffer.from(new LocalEmbedder().embedOne(text).buffer));
    expect(hash.digest('hex')).toBe('83c57b515f91303beba9be4f3e8c31e16438fbefa7d4d546d50f2675e82f9759');
  });
});
