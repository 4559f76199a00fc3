import { describe, expect, it } from 'vitest';
import { UnknownToolError, ValidationError } from '../../errors.js';
import { Governance } from '../../governance/governance.js';
import { handleMemoryTool } from '../../tools/handle-memory-tool.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness } from './harness.js';

/** The four memory tools, their JSON results and their errors, through the Brain. */
export function describeMemoryTools(factory: StoreFactory): void {
  describe('memory tools', () => {
    const makeBrain = brainHarness(factory);

    it('retains and recalls through the tools with snake_case results', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const retained = JSON.parse(
        await handleMemoryTool(
          brain,
          'memory_retain',
          { content: 'I prefer dark mode', tags: 'preference, ui' },
          { bankId },
        ),
      );
      expect(retained).toEqual({ stored: true, memory_id: expect.any(String) });
      const again = JSON.parse(
        await handleMemoryTool(brain, 'memory_retain', { content: 'I prefer dark mode', tags: ['x'] }, { bankId }),
      );
      expect(again).toEqual({
        stored: false,
        memory_id: retained.memory_id,
        deduplicated: true,
        duplicate_of: retained.memory_id,
        merged_tags: ['x'],
        reason: expect.any(String),
      });
      const recalled = JSON.parse(
        await handleMemoryTool(brain, 'memory_recall', { query: 'dark mode preference' }, { bankId }),
      );
      expect(recalled.total).toBe(1);
      expect(recalled.hits).toEqual([
        {
          memory_id: retained.memory_id,
          text: 'I prefer dark mode',
          score: expect.any(Number),
          tags: ['preference', 'ui', 'x'],
          created_at: expect.any(String),
        },
      ]);
      expect(new Date(recalled.hits[0].created_at).toISOString()).toBe(recalled.hits[0].created_at);
      const reflected = await handleMemoryTool(
        brain,
        'memory_reflect',
        { query: 'What mode do I prefer?' },
        { bankId },
      );
      expect(reflected).toContain('I prefer dark mode');
    });

    it("forgets only the bound bank's memories", async () => {
      const brain = await makeBrain();
      const [a, b] = [randomBankId('a'), randomBankId('b')];
      const inB = JSON.parse(await handleMemoryTool(brain, 'memory_retain', { content: 'B secret' }, { bankId: b }));
      const inA = JSON.parse(await handleMemoryTool(brain, 'memory_retain', { content: 'A note' }, { bankId: a }));
      expect(
        JSON.parse(await handleMemoryTool(brain, 'memory_forget', { memory_ids: inB.memory_id }, { bankId: a })),
      ).toEqual({ deleted_count: 0, not_found: [inB.memory_id] });
      expect((await brain.list(b)).items).toHaveLength(1);
      const both = `${inA.memory_id}, ${inB.memory_id}`;
      expect(JSON.parse(await handleMemoryTool(brain, 'memory_forget', { memory_ids: both }, { bankId: a }))).toEqual({
        deleted_count: 1,
        not_found: [inB.memory_id],
      });
      // Forgotten already: not found either, and the library says so too.
      expect(await brain.forget(a, { memoryIds: [inA.memory_id, inA.memory_id] })).toEqual({
        deletedCount: 0,
        notFound: [inA.memory_id],
      });
    });

    it('throws typed errors naming the field for bad input, and for unknown tools', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const cases: [string, unknown, string][] = [
        ['memory_retain', {}, 'content'],
        ['memory_retain', { content: 42 }, 'content'],
        ['memory_retain', { content: '' }, 'content'],
        ['memory_retain', { content: 'ok', tags: 5 }, 'tags'],
        // A hold is the application's to place (the default hold tag), never a model's.
        ['memory_retain', { content: 'Jane is at jane.doe@example.com', tags: 'notes, legal-hold' }, 'tags'],
        ['memory_retain', { content: 'ok', bank_id: 'other' }, 'bank_id'],
        ['memory_recall', { query: 'q', max_results: -1 }, 'max_results'],
        ['memory_recall', { query: 'q', max_results: 10_000 }, 'max_results'],
        ['memory_recall', { query: 'q', max_results: '5' }, 'max_results'],
        ['memory_recall', {}, 'query'],
        ['memory_reflect', { query: null }, 'query'],
        ['memory_forget', { memory_ids: '' }, 'memory_ids'],
        ['memory_forget', { memory_ids: [1, 2] }, 'memory_ids'],
        // Named as the model sent it, not as the Brain API calls it (memoryIds).
        ['memory_forget', { memory_ids: ['fine', 'bad\u0000id'] }, 'memory_ids[1]'],
        ['memory_retain', 'not json', 'input'],
        // Arguments sent as a JSON string with a key twice: JSON.parse kept the last ("Call Ann") in silence.
        ['memory_retain', '{"content": "Call Bob", "content": "Call Ann"}', 'content'],
        ['memory_retain', null, 'input'],
      ];
      for (const [tool, input, field] of cases) {
        const error = await handleMemoryTool(brain, tool, input, { bankId }).catch((e) => e);
        expect(ValidationError.isInstance(error), `${tool} ${JSON.stringify(input)}`).toBe(true);
        expect(error.details.field).toBe(field);
      }
      // A model that writes the field in its own case is told the one the tool has.
      await expect(handleMemoryTool(brain, 'memory_recall', { query: 'q', maxResults: 5 }, { bankId })).rejects.toThrow(
        'maxResults: is not a field of this tool; expected query, max_results; did you mean "max_results"?',
      );
      const unknown = await handleMemoryTool(brain, 'memory_delete_everything', {}, { bankId }).catch((e) => e);
      expect(UnknownToolError.isInstance(unknown)).toBe(true);
      expect(unknown.code).toBe('unknown_tool');
      expect((await brain.list(bankId)).items).toEqual([]);
      expect(
        JSON.parse(await handleMemoryTool(brain, 'memory_retain', '{"content":"json string input"}', { bankId }))
          .stored,
      ).toBe(true);
    });

    it("refuses a hold tag in a model's memory_retain however it is spelt in Unicode, and stores nothing", async () => {
      const brain = await makeBrain({ governance: new Governance({ forget: { legalHoldTags: ['Löschsperre'] } }) });
      const bankId = randomBankId();
      // The decomposed spelling (o + combining diaeresis) is the hold tag once the brain stores it in NFC.
      for (const tags of ['Löschsperre', 'Lo\u0308schsperre', [' Lo\u0308schsperre ']]) {
        const error = await handleMemoryTool(brain, 'memory_retain', { content: 'a fact', tags }, { bankId }).catch(
          (e) => e,
        );
        expect(ValidationError.isInstance(error), JSON.stringify(tags)).toBe(true);
        expect(error.details.field).toBe('tags');
      }
      expect((await brain.list(bankId)).items).toEqual([]);
    });

    it('names max_results, with the limit the application set, when a recall asks for more than it allows', async () => {
      const brain = await makeBrain({ limits: { maxResults: 20 } });
      const bankId = randomBankId();
      await handleMemoryTool(
        brain,
        'memory_retain',
        { content: 'The staging database moved to Frankfurt' },
        { bankId },
      );
      const error = await handleMemoryTool(
        brain,
        'memory_recall',
        { query: 'staging', max_results: 50 },
        { bankId },
      ).catch((e) => e);
      expect(ValidationError.isInstance(error)).toBe(true);
      expect(error.details.field).toBe('max_results');
      expect(error.message).toBe('max_results: must be an integer from 1 to 20, got 50');
      const found = JSON.parse(
        await handleMemoryTool(brain, 'memory_recall', { query: 'staging', max_results: 20 }, { bankId }),
      );
      expect(found.hits.map((hit: { text: string }) => hit.text)).toEqual(['The staging database moved to Frankfurt']);
    });
  });
}
