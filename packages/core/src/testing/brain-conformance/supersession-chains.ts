import { describe, expect, it } from 'vitest';
import type { Astrocyte } from '../../astrocyte.js';
import { NotFoundError, PolicyError, ValidationError } from '../../errors.js';
import { handleMemoryTool } from '../../tools/handle-memory-tool.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness, manualClock } from './harness.js';

const DAY = 86_400_000;

/** The texts a memory's history still shows, oldest first. */
async function textsOf(brain: Astrocyte, bankId: string, memoryId: string | null): Promise<(string | null)[]> {
  return (await brain.history(bankId, memoryId as string)).map((v) => v.text);
}

/** Legal holds over supersession chains, and forgetting memories that were superseded, through the Brain. */
export function describeSupersessionChains(factory: StoreFactory): void {
  describe('supersession chains: holds and forgetting every version', () => {
    const makeBrain = brainHarness(factory);
    const override = { overrideLegalHold: true, reason: 'counsel approved the correction' };

    it('superseding a memory under legal hold needs overrideLegalHold and a reason, which history records', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const held = await brain.retain('Acme contract renews in March', { bankId, tags: ['legal-hold'] });
      const refused = await brain
        .retain('Acme contract renews in April', { bankId, supersedes: held.memoryId as string })
        .catch((e) => e);
      expect(PolicyError.isInstance(refused)).toBe(true);
      expect(refused.message).toMatch(/legal hold.*overrideLegalHold/);
      const noReason = await brain
        .retain('Acme contract renews in April', {
          bankId,
          supersedes: held.memoryId as string,
          overrideLegalHold: true,
        })
        .catch((e) => e);
      expect(ValidationError.isInstance(noReason)).toBe(true);
      expect(noReason.details.field).toBe('reason');
      expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([held.memoryId]);

      const next = await brain.retain('Acme contract renews in April', {
        bankId,
        supersedes: held.memoryId as string,
        ...override,
        context: { actor: 'legal-team' },
      });
      expect(next.stored).toBe(true);
      expect((await brain.history(bankId, held.memoryId as string)).at(-1)).toMatchObject({
        action: 'supersede',
        actor: 'legal-team',
        reason: override.reason,
        relatedId: next.memoryId,
      });
      expect((await brain.history(bankId, next.memoryId as string))[0]).toMatchObject({
        action: 'create',
        reason: override.reason,
      });
    });

    it('forgetting the memory that replaced a held one keeps both, unless overridden with a reason', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const held = await brain.retain('Evidence: the invoice was paid late', { bankId, tags: ['legal-hold'] });
      const next = await brain.retain('Evidence: the invoice was paid on time', {
        bankId,
        supersedes: held.memoryId as string,
        ...override,
      });
      const kept = await brain.forget(bankId, { memoryIds: [next.memoryId as string] });
      expect(kept).toEqual({
        deletedCount: 0,
        skipped: [{ memoryId: next.memoryId, reason: expect.stringMatching(/legal hold.*supersession chain/) }],
      });
      expect(await textsOf(brain, bankId, held.memoryId)).toContain('Evidence: the invoice was paid late');
      expect((await brain.forget(bankId, { all: true })).deletedCount).toBe(0);
      expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([next.memoryId]);

      const viaTool = JSON.parse(
        await handleMemoryTool(brain, 'memory_forget', { memory_ids: next.memoryId }, { bankId }),
      );
      expect(viaTool.deleted_count).toBe(0);

      const released = await brain.forget(bankId, { memoryIds: [next.memoryId as string], ...override });
      expect(released).toEqual({ deletedCount: 1 });
      expect(await textsOf(brain, bankId, held.memoryId)).not.toContain('Evidence: the invoice was paid late');
    });

    it('a hold on the newest version holds the versions it replaced', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const old = await brain.retain('Ivy started at Globex in 2019', { bankId });
      const held = await brain.retain('Ivy started at Globex in 2018', {
        bankId,
        supersedes: old.memoryId as string,
        tags: ['legal-hold'],
      });
      const result = await brain.forget(bankId, { memoryIds: [old.memoryId as string] });
      expect(result.deletedCount).toBe(0);
      expect(result.skipped?.[0]?.reason).toContain(`legal hold (tag "legal-hold" on memory ${held.memoryId}`);
      expect(await textsOf(brain, bankId, old.memoryId)).toContain('Ivy started at Globex in 2019');
      const superseding = await brain
        .retain('Ivy started at Globex in 2017', { bankId, supersedes: held.memoryId as string })
        .catch((e) => e);
      expect(PolicyError.isInstance(superseding)).toBe(true);
    });

    it('purgeExpired keeps an expired memory whose chain holds a memory under legal hold', async () => {
      const clock = manualClock();
      const brain = await makeBrain({ now: clock.now });
      const bankId = randomBankId();
      const held = await brain.retain('Board minutes: the merger vote failed', { bankId, tags: ['legal-hold'] });
      const next = await brain.retain('Board minutes: the merger vote passed', {
        bankId,
        supersedes: held.memoryId as string,
        expiresAt: new Date(clock.now().getTime() + DAY),
        ...override,
      });
      const free = await brain.retain('Parking passes expire soon', {
        bankId,
        expiresAt: new Date(clock.now().getTime() + DAY),
      });
      clock.advance(2 * DAY);
      expect(await brain.purgeExpired()).toBe(1);
      expect(await textsOf(brain, bankId, held.memoryId)).toContain('Board minutes: the merger vote failed');
      expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([next.memoryId]);
      expect((await brain.history(bankId, free.memoryId as string)).at(-1)?.action).toBe('expire');
      expect(await brain.purgeExpired()).toBe(0);
    });

    it('a correction that repeats another memory replaces the corrected one with that memory', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const berlin = await brain.retain('The office is in Berlin', { bankId });
      const munich = await brain.retain('The office is in Munich', { bankId });
      const corrected = await brain.retain('The office is in Berlin', {
        bankId,
        supersedes: munich.memoryId as string,
      });
      expect(corrected).toMatchObject({ stored: false, deduplicated: true, duplicateOf: berlin.memoryId });
      expect((await brain.list(bankId)).items.map((m) => m.text)).toEqual(['The office is in Berlin']);
      expect((await brain.history(bankId, munich.memoryId as string)).at(-1)).toMatchObject({
        action: 'supersede',
        text: 'The office is in Munich',
        relatedId: berlin.memoryId,
      });
    });

    it('forgets a superseded memory by id: its text and older versions leave history, the newer one stays', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const first = await brain.retain('Hana lives in Paris', { bankId });
      const second = await brain.retain('Hana lives in Lyon', { bankId, supersedes: first.memoryId as string });
      const third = await brain.retain('Hana lives in Berlin', { bankId, supersedes: second.memoryId as string });
      const result = await brain.forget(bankId, { memoryIds: [second.memoryId as string], reason: 'user asked' });
      expect(result).toEqual({ deletedCount: 1 });
      for (const id of [first.memoryId, second.memoryId]) {
        expect((await textsOf(brain, bankId, id)).every((text) => text === null)).toBe(true);
      }
      expect((await brain.history(bankId, second.memoryId as string)).at(-1)).toMatchObject({
        action: 'forget',
        reason: 'user asked',
        text: null,
      });
      expect(await textsOf(brain, bankId, third.memoryId)).toEqual(['Hana lives in Berlin']);
      expect((await brain.recall('Where does Hana live?', { bankId })).hits.map((h) => h.text)).toEqual([
        'Hana lives in Berlin',
      ]);
      // Already erased: a second forget finds nothing left to erase, and says the id is not found.
      expect(await brain.forget(bankId, { memoryIds: [second.memoryId as string] })).toEqual({
        deletedCount: 0,
        notFound: [second.memoryId],
      });

      const viaTool = JSON.parse(
        await handleMemoryTool(brain, 'memory_forget', { memory_ids: third.memoryId }, { bankId }),
      );
      expect(viaTool).toEqual({ deleted_count: 1 });
    });

    it('forgets superseded memories by the tags they carried, by age, and with all', async () => {
      const clock = manualClock();
      const brain = await makeBrain({ now: clock.now });
      const bankId = randomBankId();
      const trip = await brain.retain('Flight to Oslo on the 3rd', { bankId, tags: ['trip'] });
      const moved = await brain.retain('Flight to Oslo on the 5th', {
        bankId,
        tags: ['plans'],
        supersedes: trip.memoryId as string,
      });
      expect(await brain.forget(bankId, { tags: ['trip'] })).toEqual({ deletedCount: 1 });
      expect((await textsOf(brain, bankId, trip.memoryId)).every((text) => text === null)).toBe(true);
      expect(await textsOf(brain, bankId, moved.memoryId)).toEqual(['Flight to Oslo on the 5th']);

      const old = await brain.retain('Desk is on floor 2', { bankId });
      clock.advance(10 * DAY);
      const cutoff = new Date(clock.now().getTime() - DAY);
      const current = await brain.retain('Desk is on floor 4', { bankId, supersedes: old.memoryId as string });
      // The superseded memory is as old as the live one from before the cutoff; the correction is newer.
      expect(await brain.forget(bankId, { before: cutoff })).toEqual({ deletedCount: 2 });
      expect((await textsOf(brain, bankId, old.memoryId)).every((text) => text === null)).toBe(true);
      expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([current.memoryId]);
      expect(await textsOf(brain, bankId, current.memoryId)).toEqual(['Desk is on floor 4']);

      const again = await brain.retain('Desk is on floor 5', { bankId, supersedes: current.memoryId as string });
      expect(await brain.forget(bankId, { all: true })).toEqual({ deletedCount: 2 });
      for (const id of [current.memoryId, again.memoryId]) {
        expect((await textsOf(brain, bankId, id)).every((text) => text === null)).toBe(true);
      }
      expect((await brain.list(bankId)).items).toEqual([]);
    });

    it('a correction of any chunk of a long text replaces all of it; forgetting the text erases every chunk', async () => {
      const brain = await makeBrain({ limits: { chunkSize: 1000 } });
      const bankId = randomBankId();
      const part = (n: number) =>
        `Part ${n}: Hana's home address is 12 Rue Servan, flat ${n}. ${'Parcels go there until the end of the year. '.repeat(20)}`;
      const text = await brain.retain([1, 2, 3].map(part).join('\n\n'), { bankId, tags: ['address'] });
      const chunkIds = text.chunkIds as string[];
      expect(chunkIds.length).toBeGreaterThan(2);
      const fix = await brain.retain('Hana moved; no address on file', { bankId, supersedes: chunkIds[1] as string });
      expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([fix.memoryId]);
      const found = await brain.recall('Hana home address Rue Servan flat parcels', { bankId, maxResults: 10 });
      expect(found.hits.map((h) => h.memoryId)).toEqual([fix.memoryId]);
      // History says what replaced each chunk: the correction the first, the first the others.
      for (const id of chunkIds)
        expect((await brain.history(bankId, id)).at(-1)).toMatchObject({
          action: 'supersede',
          relatedId: id === text.memoryId ? fix.memoryId : text.memoryId,
        });

      await brain.forget(bankId, { memoryIds: [text.memoryId as string] });
      for (const id of chunkIds) expect((await textsOf(brain, bankId, id)).every((t) => t === null)).toBe(true);
      expect(await textsOf(brain, bankId, fix.memoryId)).toEqual(['Hana moved; no address on file']);
    });

    it('forgetting any chunk of a replaced text erases all of its chunks, and not the correction', async () => {
      const brain = await makeBrain({ limits: { chunkSize: 1000 } });
      const bankId = randomBankId();
      const part = (n: number) =>
        `Part ${n} of the lease: flat ${n}, 12 Rue Servan. ${'The rent is paid on the first of the month. '.repeat(20)}`;
      const text = await brain.retain([1, 2, 3].map(part).join('\n\n'), { bankId });
      const chunkIds = text.chunkIds as string[];
      expect(chunkIds.length).toBeGreaterThan(2);
      const fix = await brain.retain('The lease ended in May', { bankId, supersedes: text.memoryId as string });
      const last = chunkIds.at(-1) as string;
      expect(await brain.forget(bankId, { memoryIds: [last] })).toEqual({ deletedCount: chunkIds.length });
      for (const id of chunkIds) expect((await textsOf(brain, bankId, id)).every((t) => t === null)).toBe(true);
      expect(await textsOf(brain, bankId, fix.memoryId)).toEqual(['The lease ended in May']);
      expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([fix.memoryId]);
    });

    it('of two corrections of one memory made at once, one replaces it and the other is refused, storing nothing', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const old = await brain.retain('Hana lives in Paris', { bankId });
      const settled = await Promise.allSettled(
        ['Berlin', 'Rome', 'Oslo'].map((city) =>
          brain.retain(`Hana lives in ${city}`, { bankId, supersedes: old.memoryId as string }),
        ),
      );
      const stored = settled.flatMap((s) => (s.status === 'fulfilled' && s.value.stored ? [s.value] : []));
      expect(stored).toHaveLength(1);
      for (const s of settled.filter((s) => s.status === 'rejected')) {
        expect(NotFoundError.isInstance(s.reason)).toBe(true);
        expect((s.reason as Error).message).toMatch(
          /supersedes: .*(replaced or forgotten since this retain|was replaced by)/,
        );
      }
      expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([stored[0]?.memoryId]);
      expect((await brain.history(bankId, old.memoryId as string)).at(-1)).toMatchObject({
        action: 'supersede',
        relatedId: stored[0]?.memoryId,
      });
      // Named again later, the replaced memory's error names what replaced it.
      const late = await brain
        .retain('Hana lives in Lima', { bankId, supersedes: old.memoryId as string })
        .catch((e) => e);
      expect(late).toMatchObject({
        code: 'not_found',
        details: { memoryId: old.memoryId, replacedBy: stored[0]?.memoryId },
      });
      expect(late.message).toBe(
        `supersedes: memory ${old.memoryId} was replaced by ${stored[0]?.memoryId}; to correct it again, supersede that one`,
      );
    });
  });
}
