import { describe, expect, it } from 'vitest';
import { Governance } from '../../governance/governance.js';
import { OpenAILLM } from '../../llm/openai-llm.js';
import { handleMemoryTool } from '../../tools/handle-memory-tool.js';
import { brainHarness, manualClock } from '../brain-conformance/harness.js';
import { fakeProviderServerPerTest } from '../provider-servers/fake-provider-server-per-test.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { childNames, expectOneTree, oneSpan } from './span-tree.js';
import type { TelemetryRecorder } from './telemetry-recorder.js';

const CARD = '4111 1111 1111 1111';

/** One span per Brain operation, its attributes, and the embedding, LLM and store spans beneath it. */
export function describeOperationSpans(factory: StoreFactory, recorder: TelemetryRecorder): void {
  describe('operation spans', () => {
    const makeBrain = brainHarness(factory);
    const provider = fakeProviderServerPerTest();

    it('retain: bank, backend and counts, with the embedding and the store insert as children', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('The deploy pipeline runs on Fridays', { bankId });
      const spans = await recorder.spans();
      const retain = oneSpan(spans, 'astrocyte.retain');
      expectOneTree(spans, retain);
      expect(retain.attributes).toMatchObject({
        'astrocyte.bank_id': bankId,
        'astrocyte.backend': brain.store.backend,
        'astrocyte.stored_count': 1,
        'astrocyte.deduplicated': false,
        'astrocyte.deduplicated_count': 0,
        'astrocyte.rejected_count': 0,
        'astrocyte.redacted_count': 0,
      });
      expect(retain.failed).toBe(false);
      expect(childNames(spans, retain)).toEqual(['astrocyte.embed', 'astrocyte.store.insert']);
      expect(oneSpan(spans, 'astrocyte.embed').attributes).toMatchObject({
        'astrocyte.embedder': brain.embedder.name,
        'astrocyte.embed.dimensions': brain.embedder.dimensions,
        'astrocyte.embed.purpose': 'document',
        'astrocyte.embed.input_count': 1,
        'astrocyte.result_count': 1,
      });
      expect(oneSpan(spans, 'astrocyte.store.insert').attributes).toMatchObject({
        'astrocyte.backend': brain.store.backend,
        'astrocyte.result_count': 1,
      });
    });

    it('retain: a duplicate and a redaction are counted, with the PII types and never their values', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('Standup moved to 9:30', { bankId });
      await brain.retain('Standup moved to 9:30', { bankId });
      await brain.retain('Write to ops-lead@example.com or call +1 (555) 123-4567 about the outage', { bankId });
      const [duplicate, redacted] = (await recorder.spans()).filter((s) => s.name === 'astrocyte.retain').slice(-2);
      expect(duplicate?.attributes).toMatchObject({
        'astrocyte.deduplicated': true,
        'astrocyte.deduplicated_count': 1,
        'astrocyte.stored_count': 0,
      });
      expect(redacted?.attributes).toMatchObject({
        'astrocyte.stored_count': 1,
        'astrocyte.redacted_count': 1,
        'astrocyte.pii.redacted_types': ['email', 'phone'],
      });
    });

    it('retain_many and retain_conversation: one embedding batch and one insert, rejections counted', async () => {
      const brain = await makeBrain({ governance: new Governance({ pii: { overrides: { credit_card: 'reject' } } }) });
      const bankId = randomBankId();
      await brain.retainMany(
        [{ content: 'Lunch is at noon' }, { content: 'The office closes at six' }, { content: `Card ${CARD}` }],
        { bankId },
      );
      const many = await recorder.spans();
      const batch = oneSpan(many, 'astrocyte.retain_many');
      expectOneTree(many, batch);
      expect(batch.attributes).toMatchObject({ 'astrocyte.bank_id': bankId, 'astrocyte.stored_count': 2 });
      expect(batch.attributes['astrocyte.rejected_count']).toBe(1);
      expect(childNames(many, batch)).toEqual(['astrocyte.embed', 'astrocyte.store.insert']);
      expect(oneSpan(many, 'astrocyte.embed').attributes['astrocyte.embed.input_count']).toBe(2);

      await brain.retainConversation(
        [
          { speaker: 'Ana', text: 'Can we move the review to Thursday?' },
          { speaker: 'Ben', text: 'Thursday works for me' },
        ],
        { bankId },
      );
      const conversation = (await recorder.spans()).filter((s) => !many.some((m) => m.spanId === s.spanId));
      const turns = oneSpan(conversation, 'astrocyte.retain_conversation');
      expectOneTree(conversation, turns);
      expect(turns.attributes).toMatchObject({ 'astrocyte.bank_id': bankId, 'astrocyte.stored_count': 2 });
    });

    it('recall: hit counts, with the query embedding and the keyword and vector searches as children', async () => {
      const brain = await makeBrain();
      const [a, b] = [randomBankId('a'), randomBankId('b')];
      await brain.retain('The invoice for March is overdue', { bankId: a });
      await brain.retain('The invoice for April was paid', { bankId: b });
      const before = (await recorder.spans()).length;
      const result = await brain.recall('invoice March', { bankId: a });
      const spans = (await recorder.spans()).slice(before);
      const recall = oneSpan(spans, 'astrocyte.recall');
      expectOneTree(spans, recall);
      expect(recall.attributes).toMatchObject({
        'astrocyte.bank_id': a,
        'astrocyte.backend': brain.store.backend,
        'astrocyte.hit_count': result.hits.length,
        'astrocyte.total_available': result.totalAvailable,
      });
      expect(result.hits.length).toBeGreaterThan(0);
      expect(childNames(spans, recall)).toEqual(
        expect.arrayContaining(['astrocyte.embed', 'astrocyte.store.keyword_search', 'astrocyte.store.vector_search']),
      );
      expect(oneSpan(spans, 'astrocyte.embed').attributes['astrocyte.embed.purpose']).toBe('query');

      await brain.recall('invoice', { bankIds: [a, b] });
      const across = (await recorder.spans()).filter((s) => s.name === 'astrocyte.recall').at(-1);
      expect(across?.attributes['astrocyte.bank_ids']).toEqual([a, b]);
      expect(across?.attributes['astrocyte.bank_id']).toBeUndefined();
    });

    it('reflect: its recall as a child, and the LLM call as a child when an LLM writes the answer', async () => {
      const extractive = await makeBrain();
      const bankId = randomBankId();
      await extractive.retain('The staging database is called orion', { bankId });
      const before = (await recorder.spans()).length;
      await extractive.reflect('what is the staging database called?', { bankId });
      const spans = (await recorder.spans()).slice(before);
      const reflect = oneSpan(spans, 'astrocyte.reflect');
      expectOneTree(spans, reflect);
      expect(childNames(spans, reflect)).toEqual(['astrocyte.recall']);
      expect(reflect.attributes).toMatchObject({
        'astrocyte.bank_id': bankId,
        'astrocyte.reflect.mode': 'extractive',
        'astrocyte.source_count': 1,
      });

      const llm = await OpenAILLM.create({ baseURL: provider.server.openaiBaseURL, apiKey: 'k', model: 'chat-test' });
      const written = await makeBrain({ llm });
      await written.retain('The staging database is called orion', { bankId });
      const start = (await recorder.spans()).length;
      await written.reflect('what is the staging database called?', { bankId });
      const withLlm = (await recorder.spans()).slice(start);
      const answer = oneSpan(withLlm, 'astrocyte.reflect');
      expect(answer.attributes['astrocyte.reflect.mode']).toBe('llm');
      expect(childNames(withLlm, answer)).toEqual(['astrocyte.llm.complete', 'astrocyte.recall']);
      expect(oneSpan(withLlm, 'astrocyte.llm.complete').attributes).toMatchObject({
        'astrocyte.llm': 'openai:chat-test',
      });
    });

    it('forget and purge_expired: the erased count, with the store erase as a child', async () => {
      const clock = manualClock();
      const brain = await makeBrain({ now: clock.now });
      const bankId = randomBankId();
      const kept = await brain.retain('Legal archive entry', { bankId, tags: ['legal-hold'] });
      const gone = await brain.retain('Temporary note about parking', { bankId });
      await brain.retain('Short-lived code 4471', { bankId, expiresAt: new Date(clock.now().getTime() + 1000) });
      const before = (await recorder.spans()).length;
      await brain.forget(bankId, { memoryIds: [kept.memoryId as string, gone.memoryId as string] });
      const spans = (await recorder.spans()).slice(before);
      const forget = oneSpan(spans, 'astrocyte.forget');
      expectOneTree(spans, forget);
      expect(forget.attributes).toMatchObject({
        'astrocyte.bank_id': bankId,
        'astrocyte.deleted_count': 1,
        'astrocyte.skipped_count': 1,
      });
      expect(childNames(spans, forget)).toContain('astrocyte.store.erase');

      clock.advance(2000);
      await brain.purgeExpired();
      const purge = (await recorder.spans()).filter((s) => s.name === 'astrocyte.purge_expired');
      expect(purge.map((s) => s.attributes['astrocyte.deleted_count'])).toEqual([1]);
    });

    it('tool: the tool name and bank, with the operation it ran as a child', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await handleMemoryTool(brain, 'memory_retain', { content: 'Release notes go out on Mondays' }, { bankId });
      const spans = await recorder.spans();
      const tool = oneSpan(spans, 'astrocyte.tool');
      expectOneTree(spans, tool);
      expect(tool.attributes).toMatchObject({ 'astrocyte.tool.name': 'memory_retain', 'astrocyte.bank_id': bankId });
      expect(childNames(spans, tool)).toEqual(['astrocyte.retain']);
    });

    it('a failure: span status error with the error code, no message, no stack, no bank id that failed validation', async () => {
      const brain = await makeBrain();
      await expect(brain.recall('anything', { bankId: 'not a bank id!' })).rejects.toThrow();
      await expect(handleMemoryTool(brain, 'memory_dance', {}, { bankId: randomBankId() })).rejects.toThrow();
      const spans = await recorder.spans();
      const recall = oneSpan(spans, 'astrocyte.recall');
      expect(recall.failed).toBe(true);
      expect(recall.statusMessage).toBe('invalid_input');
      expect(recall.attributes).toMatchObject({
        'astrocyte.error.code': 'invalid_input',
        'error.type': 'invalid_input',
      });
      expect(recall.attributes['astrocyte.bank_id']).toBeUndefined();
      expect(recall.events).toEqual([{ name: 'exception', attributes: { 'exception.type': 'ValidationError' } }]);
      const tool = oneSpan(spans, 'astrocyte.tool');
      expect(tool.attributes['astrocyte.error.code']).toBe('unknown_tool');
      // A name the model invented is not a memory tool's name: it stays out of the span.
      expect(tool.attributes['astrocyte.tool.name']).toBeUndefined();
    });
  });
}
