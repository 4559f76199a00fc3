import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Astrocyte, type AstrocyteOptions } from '../astrocyte.js';
import { LocalEmbedder } from '../embedders/local-embedder.js';
import { Governance } from '../governance/governance.js';
import type { MemoryStore } from '../memory-store.js';
import { handleMemoryTool } from '../tools/handle-memory-tool.js';
import { manualClock } from './brain-conformance/harness.js';

/** A store of the backend under test, with probes that read what it really holds, below the SPI. */
export interface ErasureSubject {
  store: MemoryStore;
  /**
   * Everything the backend holds on disk, as text to search: SQLite, the bytes of the database file and its WAL;
   * Postgres, every row of every table of the schema. Called after the store is closed too.
   */
  rawDump(): Promise<string>;
  /** The terms in the keyword index itself: those of one memory's entry, or of the whole index. */
  keywordTerms(memoryId?: string): Promise<string[]>;
  /** How many vectors the backend holds, every bank included. */
  vectorCount(): Promise<number>;
}

/** How the erasure suite gets fresh stores, each with its own file, database or schema. */
export interface ErasureFactory {
  create(): Promise<ErasureSubject>;
}

// Ends in a digit so that no stemmer strips a suffix ("…ed", "…e") and the indexed term is the word itself.
const canary = () => `zq${randomBytes(6).toString('hex')}0`;

/**
 * Governance promises that rejected data is never written and forgotten data is gone: this suite checks both in what
 * the backend really holds. Run it in a backend's tests with `describeErasureConformance('sqlite', factory)`.
 */
export function describeErasureConformance(name: string, factory: ErasureFactory): void {
  describe(`Erasure conformance: ${name}, read from raw storage`, () => {
    const open = new Set<Astrocyte>();
    afterEach(async () => {
      await Promise.all([...open].map((brain) => brain.close()));
      open.clear();
    });
    const brainOn = async (options: Omit<Partial<AstrocyteOptions>, 'store'> = {}) => {
      const subject = await factory.create();
      const brain = await Astrocyte.create({ embedder: new LocalEmbedder(), ...options, store: subject.store });
      open.add(brain);
      const close = async () => {
        open.delete(brain);
        await brain.close();
      };
      return { brain, close, ...subject };
    };

    it('a card number rejected through the tools is written nowhere', async () => {
      const { brain, close, rawDump, keywordTerms } = await brainOn({
        governance: new Governance({ pii: { overrides: { credit_card: 'reject' } } }),
      });
      await brain.retain('The office plant needs water on Mondays', { bankId: 'agent' });
      const out = JSON.parse(
        await handleMemoryTool(
          brain,
          'memory_retain',
          { content: 'my card is 4111 1111 1111 1111' },
          { bankId: 'agent' },
        ),
      );
      expect(out).toMatchObject({ stored: false, memory_id: null, reason: expect.stringContaining('payment card') });
      const dump = await rawDump();
      expect(dump).toContain('office plant needs water');
      for (const trace of ['4111 1111 1111 1111', '4111111111111111', '1111 1111']) expect(dump).not.toContain(trace);
      expect(await keywordTerms()).not.toContain('4111');
      await close();
      expect(await rawDump()).not.toContain('4111 1111 1111 1111');
    });

    it('redacted values are written nowhere', async () => {
      const { brain, rawDump } = await brainOn();
      const secret = `${canary()}@example.com`;
      const result = await brain.retain(`Reach the landlord at ${secret}`, { bankId: 'agent', tags: [secret] });
      expect(result.redacted).toEqual(['email']);
      const dump = await rawDump();
      expect(dump).toContain('Reach the landlord at');
      expect(dump).not.toContain(secret);
    });

    it('forget erases the text from the row, its vector, the keyword index and every version, superseded ones included', async () => {
      const { brain, close, rawDump, keywordTerms, vectorCount } = await brainOn();
      const [first, second] = [canary(), canary()];
      const old = await brain.retain(`Door code hint ${first} for the garage`, { bankId: 'home' });
      const next = await brain.retain(`Door code hint ${second} for the garage`, {
        bankId: 'home',
        supersedes: old.memoryId as string,
      });
      await brain.retain('The recycling goes out on Thursdays', { bankId: 'home' });
      // The probes see the text while it is live, so their silence afterwards means something.
      const live = await rawDump();
      for (const word of [first, second]) expect(live).toContain(word);
      expect(await keywordTerms()).toContain(second);

      expect(await brain.forget('home', { memoryIds: [next.memoryId as string], reason: 'owner asked' })).toEqual({
        deletedCount: 1,
      });
      const dump = await rawDump();
      const terms = await keywordTerms();
      for (const word of [first, second]) {
        expect(dump).not.toContain(word);
        expect(terms).not.toContain(word);
      }
      expect(await vectorCount()).toBe(1);
      const versions = [
        ...(await brain.history('home', old.memoryId as string)),
        ...(await brain.history('home', next.memoryId as string)),
      ];
      expect(versions.every((v) => v.text === null)).toBe(true);
      expect(versions).toContainEqual(expect.objectContaining({ action: 'forget', text: null, reason: 'owner asked' }));
      // The unrelated memory is untouched.
      expect(dump).toContain('The recycling goes out on Thursdays');
      await close();
      const closed = await rawDump();
      for (const word of [first, second]) expect(closed).not.toContain(word);
    });

    it("forget erases a conversation turn's text from its neighbours' keyword entries too", async () => {
      const { brain, rawDump, keywordTerms } = await brainOn();
      const word = canary();
      const turns = await brain.retainConversation(
        [
          { speaker: 'user', text: 'Can you keep my locker code?' },
          { speaker: 'user', text: `It is ${word}, please remember it` },
          { speaker: 'agent', text: 'Saved, I will not share it' },
        ],
        { bankId: 'home', sessionId: 'chat' },
      );
      const [before, forgotten, after] = turns.map((t) => t.memoryId as string) as [string, string, string];
      // Both neighbours index the turn while it is live, so their silence afterwards means something.
      for (const neighbour of [before, after]) expect(await keywordTerms(neighbour)).toContain(word);

      await brain.forget('home', { memoryIds: [forgotten] });
      for (const neighbour of [before, after]) expect(await keywordTerms(neighbour)).not.toContain(word);
      expect(await keywordTerms()).not.toContain(word);
      expect(await rawDump()).not.toContain(word);
      // The neighbours are each other's now.
      expect(await keywordTerms(before)).toContain('share');
    });

    it("a corrected turn's new text replaces the old one in its neighbours' keyword entries", async () => {
      const { brain, keywordTerms } = await brainOn();
      const [oldWord, newWord] = [canary(), canary()];
      const turns = await brain.retainConversation(
        [
          { speaker: 'user', text: 'Which gate is the locker room?' },
          { speaker: 'agent', text: `Gate ${oldWord}, by the stairs` },
          { speaker: 'user', text: 'Thanks, see you there' },
        ],
        { bankId: 'home', sessionId: 'chat' },
      );
      const [before, corrected, after] = turns.map((t) => t.memoryId as string) as [string, string, string];
      for (const neighbour of [before, after]) expect(await keywordTerms(neighbour)).toContain(oldWord);

      await brain.retain(`Gate ${newWord}, by the stairs`, { bankId: 'home', supersedes: corrected });
      for (const neighbour of [before, after]) {
        const terms = await keywordTerms(neighbour);
        expect(terms).toContain(newWord);
        expect(terms).not.toContain(oldWord);
      }
      expect(await keywordTerms()).not.toContain(oldWord);
    });

    it('purgeExpired erases as forget does', async () => {
      const clock = manualClock();
      const { brain, rawDump, keywordTerms } = await brainOn({ now: clock.now });
      const word = canary();
      const { memoryId } = await brain.retain(`Wifi guest password hint ${word}`, {
        bankId: 'home',
        expiresAt: new Date(clock.now().getTime() + 1000),
      });
      expect(await rawDump()).toContain(word);
      clock.advance(1000);
      expect(await brain.purgeExpired()).toBe(1);
      expect(await rawDump()).not.toContain(word);
      expect(await keywordTerms()).not.toContain(word);
      expect((await brain.history('home', memoryId as string)).map((v) => [v.action, v.text])).toEqual([
        ['create', null],
        ['expire', null],
      ]);
    });
  });
}
