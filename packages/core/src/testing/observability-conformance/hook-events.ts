import { describe, expect, it } from 'vitest';
import type { Astrocyte } from '../../astrocyte.js';
import { Governance } from '../../governance/governance.js';
import type { HookEventName, HookEvents } from '../../hooks/hook-events.js';
import type { Memory, Page } from '../../types.js';
import { brainHarness, manualClock } from '../brain-conformance/harness.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';

const CARD = '4111 1111 1111 1111';

/** Every event of the given names a brain emits, in order, as [name, event]. */
function collect<N extends HookEventName>(brain: Astrocyte, names: N[]): [N, HookEvents[N]][] {
  const seen: [N, HookEvents[N]][] = [];
  for (const name of names) brain.on(name, (event) => void seen.push([name, event]));
  return seen;
}

const ALL: HookEventName[] = ['retain', 'reject', 'redact', 'recall', 'forget'];

/** brain.on: each event with its fields, text only when asked for, listeners that fail, unsubscribing. */
export function describeHookEvents(factory: StoreFactory): void {
  describe('hook events', () => {
    const makeBrain = brainHarness(factory);
    const strict = () => new Governance({ pii: { overrides: { credit_card: 'reject' } } });

    it('retain, redact and reject: ids, bank, actor, index and PII types, and no text', async () => {
      const clock = manualClock();
      const brain = await makeBrain({ governance: strict(), now: clock.now });
      const events = collect(brain, ALL);
      const bankId = randomBankId();
      const context = { actor: 'agent-7', requestId: 'req-42' };
      const results = await brain.retainMany(
        [
          { content: 'Quarterly planning starts in May' },
          { content: 'Send the minutes to scribe@example.com' },
          { content: `Card ${CARD} for travel` },
        ],
        { bankId, context },
      );
      const base = { actor: 'agent-7', requestId: 'req-42', at: clock.now(), operation: 'retain_many', bankId };
      expect(events).toEqual([
        ['retain', { ...base, memoryId: results[0]?.memoryId, deduplicated: false, index: 0, redacted: [] }],
        ['retain', { ...base, memoryId: results[1]?.memoryId, deduplicated: false, index: 1, redacted: ['email'] }],
        ['redact', { ...base, memoryId: results[1]?.memoryId, index: 1, piiTypes: ['email'] }],
        ['reject', { ...base, index: 2, reason: results[2]?.reason, piiTypes: ['credit_card'], rules: [] }],
      ]);
      expect(JSON.stringify(events)).not.toMatch(/Quarterly|scribe|4111|minutes/);
    });

    it('a duplicate is a retain event with the id already stored; a conversation gives turn indexes', async () => {
      const brain = await makeBrain();
      const events = collect(brain, ['retain']);
      const bankId = randomBankId();
      const first = await brain.retain('The VPN certificate expires in June', { bankId });
      await brain.retain('The VPN certificate expires in June', { bankId });
      expect(events.map(([, e]) => [e.operation, e.memoryId, e.deduplicated])).toEqual([
        ['retain', first.memoryId, false],
        ['retain', first.memoryId, true],
      ]);
      events.length = 0;
      const turns = await brain.retainConversation(
        [
          { speaker: 'Ana', text: 'Shall we ship on Monday?' },
          { speaker: 'Ben', text: '' },
          { speaker: 'Ana', text: 'Monday it is' },
        ],
        { bankId },
      );
      expect(events.map(([, e]) => [e.operation, e.index, e.memoryId])).toEqual([
        ['retain_conversation', 0, turns[0]?.memoryId],
        ['retain_conversation', 2, turns[2]?.memoryId],
      ]);
    });

    it('recall: banks, hits and total, without the query or the text', async () => {
      const brain = await makeBrain();
      const events = collect(brain, ['recall']);
      const bankId = randomBankId();
      await brain.retain('The coffee machine is on floor three', { bankId });
      const result = await brain.recall('where is the coffee machine', { bankId, context: { actor: 'kiosk' } });
      expect(events).toHaveLength(1);
      const [, event] = events[0] as ['recall', HookEvents['recall']];
      expect(event).toEqual({
        actor: 'kiosk',
        at: expect.any(Date),
        bankIds: [bankId],
        hits: result.hits.map((h) => ({ memoryId: h.memoryId, bankId: h.bankId, score: h.score })),
        totalAvailable: result.totalAvailable,
      });
      expect(event.hits).toHaveLength(1);
    });

    it('forget and purge_expired: the ids erased and the ones the policy kept; the reason only with text', async () => {
      const clock = manualClock();
      const brain = await makeBrain({ now: clock.now });
      const events = collect(brain, ['forget']);
      const bankId = randomBankId();
      const held = await brain.retain('Signed contract with Nimbus', { bankId, tags: ['legal-hold'] });
      const loose = await brain.retain('Parking spot 14 is mine this week', { bankId });
      const brief = await brain.retain('Door code changes tomorrow', {
        bankId,
        expiresAt: new Date(clock.now().getTime() + 1000),
      });
      await brain.forget(bankId, {
        memoryIds: [held.memoryId as string, loose.memoryId as string],
        reason: 'user asked',
        context: { actor: 'user-9' },
      });
      clock.advance(2000);
      await brain.purgeExpired();
      expect(events.map(([, e]) => e)).toEqual([
        {
          operation: 'forget',
          actor: 'user-9',
          at: expect.any(Date),
          bankId,
          memoryIds: [loose.memoryId],
          skipped: [{ memoryId: held.memoryId, reason: expect.any(String) }],
        },
        { operation: 'purge_expired', at: expect.any(Date), bankId, memoryIds: [brief.memoryId], skipped: [] },
      ]);
    });

    it('with includeText: the stored (redacted) text, the query, the hits and the forget reason; never a rejected text', async () => {
      const brain = await makeBrain({ governance: strict(), hooks: { includeText: true } });
      const events = collect(brain, ALL);
      const bankId = randomBankId();
      const stored = await brain.retain('Invoices go to billing@example.com', { bankId });
      await brain.retain(`Card ${CARD}`, { bankId });
      await brain.recall('where do invoices go', { bankId });
      await brain.forget(bankId, { memoryIds: [stored.memoryId as string], reason: 'moved to a new system' });
      const [memory] = (await brain.list(bankId)).items;
      expect(memory).toBeUndefined();
      const byName = Object.fromEntries(events.map(([name, event]) => [name, event])) as Partial<HookEvents>;
      expect(byName.retain?.text).toBe('Invoices go to [EMAIL]');
      expect(byName.reject && 'text' in byName.reject).toBe(false);
      expect(JSON.stringify(byName.reject)).not.toContain('4111');
      expect(byName.recall?.query).toBe('where do invoices go');
      expect(byName.recall?.hits.map((h) => h.text)).toEqual(['Invoices go to [EMAIL]']);
      expect(byName.forget?.reason).toBe('moved to a new system');
    });

    it('a listener sees the operation committed', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const reads: Promise<Page<Memory>>[] = [];
      brain.on('retain', (event) => void reads.push(brain.list(event.bankId)));
      const result = await brain.retain('The fire drill is on the 12th', { bankId });
      expect(reads).toHaveLength(1);
      expect((await reads[0])?.items.map((m) => m.id)).toEqual([result.memoryId]);
    });

    it('a throwing or rejecting listener breaks neither retain nor recall; onListenerError gets each error', async () => {
      const failures: [unknown, HookEventName][] = [];
      const brain = await makeBrain({ hooks: { onListenerError: (error, { name }) => failures.push([error, name]) } });
      const bankId = randomBankId();
      const after: string[] = [];
      brain.on('retain', () => {
        throw new Error('webhook down');
      });
      brain.on('recall', async () => {
        throw new Error('audit log full');
      });
      brain.on('retain', (event) => void after.push(event.memoryId));
      const result = await brain.retain('The generator is tested monthly', { bankId });
      expect(result.stored).toBe(true);
      expect(after).toEqual([result.memoryId]);
      const { hits } = await brain.recall('generator test', { bankId });
      expect(hits.map((h) => h.memoryId)).toEqual([result.memoryId]);
      // The rejected promise is reported once the event loop has had a turn.
      await new Promise((resolve) => setImmediate(resolve));
      expect(failures.map(([error, name]) => [(error as Error).message, name])).toEqual([
        ['webhook down', 'retain'],
        ['audit log full', 'recall'],
      ]);
    });

    it('the function on returns, and off, stop the events', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const seen: string[] = [];
      const listener = (event: HookEvents['retain']) => void seen.push(event.memoryId);
      const stop = brain.on('retain', listener);
      const one = await brain.retain('First note', { bankId });
      stop();
      await brain.retain('Second note', { bankId });
      brain.on('retain', listener);
      const three = await brain.retain('Third note', { bankId });
      expect(brain.off('retain', listener)).toBe(true);
      expect(brain.off('retain', listener)).toBe(false);
      await brain.retain('Fourth note', { bankId });
      expect(seen).toEqual([one.memoryId, three.memoryId]);
    });
  });
}
