import { describe, expect, it } from 'vitest';
import { Governance } from '../../governance/governance.js';
import { brainHarness, manualClock } from '../brain-conformance/harness.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { histogramCount, metricSum } from './span-tree.js';
import type { TelemetryRecorder } from './telemetry-recorder.js';

/** The duration histogram and the memory counters, by operation and backend. */
export function describeOperationMetrics(factory: StoreFactory, recorder: TelemetryRecorder): void {
  describe('operation metrics', () => {
    const makeBrain = brainHarness(factory);

    it('counts stored, deduplicated, redacted, rejected and forgotten memories by operation and backend', async () => {
      const clock = manualClock();
      const brain = await makeBrain({
        now: clock.now,
        governance: new Governance({ pii: { overrides: { credit_card: 'reject' } } }),
      });
      const backend = brain.store.backend;
      const bankId = randomBankId();
      const first = await brain.retain('The build server restarts at midnight', { bankId });
      await brain.retain('The build server restarts at midnight', { bankId });
      await brain.retain('Escalations go to pager@example.com', { bankId });
      const batch = await brain.retainMany(
        [
          { content: 'Backups run hourly' },
          { content: 'Card 4111 1111 1111 1111 on file' },
          { content: 'Expense reports are due Friday', expiresAt: new Date(clock.now().getTime() + 1000) },
        ],
        { bankId },
      );
      await brain.retainConversation([{ speaker: 'Ana', text: 'The retro is on Wednesday' }], { bankId });
      await brain.forget(bankId, { memoryIds: [first.memoryId as string, batch[0]?.memoryId as string] });
      clock.advance(2000);
      await brain.purgeExpired();
      await brain.recall('build server', { bankId });
      await brain.reflect('when do backups run?', { bankId });

      const points = await recorder.points();
      const sum = (what: string, operation: string) =>
        metricSum(points, `astrocyte.memories.${what}`, {
          'astrocyte.operation': operation,
          'astrocyte.backend': backend,
        });
      expect(sum('stored', 'retain')).toBe(2);
      expect(sum('stored', 'retain_many')).toBe(2);
      expect(sum('stored', 'retain_conversation')).toBe(1);
      expect(sum('deduplicated', 'retain')).toBe(1);
      expect(sum('redacted', 'retain')).toBe(1);
      expect(sum('rejected', 'retain_many')).toBe(1);
      expect(sum('forgotten', 'forget')).toBe(2);
      expect(sum('forgotten', 'purge_expired')).toBe(1);
      for (const point of points.filter((p) => p.name.startsWith('astrocyte.memories.'))) {
        expect(point.unit).toBe('{memory}');
        // Counters are labelled by operation and backend only: a bank id per user would make a series per user.
        expect(Object.keys(point.attributes).sort()).toEqual(['astrocyte.backend', 'astrocyte.operation']);
      }

      const calls = (operation: string) =>
        histogramCount(points, 'astrocyte.operation.duration', {
          'astrocyte.operation': operation,
          'astrocyte.backend': backend,
        });
      expect(calls('retain')).toBe(3);
      expect(calls('retain_many')).toBe(1);
      expect(calls('retain_conversation')).toBe(1);
      expect(calls('forget')).toBe(1);
      expect(calls('purge_expired')).toBe(1);
      // reflect recalls once itself.
      expect(calls('recall')).toBe(2);
      expect(calls('reflect')).toBe(1);
      const durations = points.filter((p) => p.name === 'astrocyte.operation.duration');
      expect(durations.every((p) => p.unit === 's' && p.value >= 0)).toBe(true);
    });

    it('records a failed operation under its error code', async () => {
      const brain = await makeBrain();
      await expect(brain.retain('', { bankId: randomBankId() })).rejects.toThrow();
      const points = await recorder.points();
      const failed = histogramCount(points, 'astrocyte.operation.duration', {
        'astrocyte.operation': 'retain',
        'error.type': 'invalid_input',
      });
      expect(failed).toBe(1);
      expect(points.filter((p) => p.name === 'astrocyte.memories.stored')).toEqual([]);
    });
  });
}
