import { describe, expect, it } from 'vitest';
import { OpenAIEmbedder } from '../../embedders/openai-embedder.js';
import { Governance } from '../../governance/governance.js';
import { OpenAILLM } from '../../llm/openai-llm.js';
import { handleMemoryTool } from '../../tools/handle-memory-tool.js';
import { brainHarness } from '../brain-conformance/harness.js';
import { fakeProviderServerPerTest } from '../provider-servers/fake-provider-server-per-test.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import type { TelemetryRecorder } from './telemetry-recorder.js';

const API_KEY = 'sk-astro-7Q9vKkeyMARKER51';
const WRONG_KEY = 'sk-astro-W4wrongkeyMARKER';
// Each marker is a word no attribute, span or metric name could hold by chance.
const MARKERS = {
  content: 'zebracontentmarker',
  tag: 'ibextagmarker',
  metadata: 'okapimetamarker',
  path: 'tapirpathmarker',
  turn: 'narwhalturnmarker',
  speaker: 'Quokkaspeakermarker',
  rejected: 'lemurrejectedmarker',
  query: 'walrusquerymarker',
  reflect: 'dugongreflectmarker',
  reason: 'axolotlreasonmarker',
  actor: 'pangolinactormarker',
  toolContent: 'caracaltoolmarker',
  toolQuery: 'margaytoolquerymarker',
  badInput: 'serowbadinputmarker',
  email: 'kiwi.bank.owner@example.com',
};

/** Memory text, queries, reasons, actors and API keys never reach a span, an attribute, an event or a metric. */
export function describeNoTextInTelemetry(factory: StoreFactory, recorder: TelemetryRecorder): void {
  describe('no text in telemetry', () => {
    const makeBrain = brainHarness(factory);
    const provider = fakeProviderServerPerTest({ apiKey: API_KEY });

    it('holds no retained text, query, reason, actor, bank id with PII or API key', async () => {
      const baseURL = provider.server.openaiBaseURL;
      const embedder = await OpenAIEmbedder.create({ baseURL, apiKey: API_KEY, model: 'embed-test', dimensions: 64 });
      const llm = await OpenAILLM.create({ baseURL, apiKey: API_KEY, model: 'chat-test' });
      const governance = new Governance({ pii: { overrides: { credit_card: 'reject' } } });
      const brain = await makeBrain({ embedder, llm, governance });
      const bankId = randomBankId();
      const context = { actor: MARKERS.actor, requestId: MARKERS.actor };

      const stored = await brain.retain(`Remember the ${MARKERS.content} launch checklist`, {
        bankId,
        tags: [MARKERS.tag],
        metadata: { note: MARKERS.metadata },
        path: `projects/${MARKERS.path}`,
        context,
      });
      await brain.retainMany(
        [{ content: `Also ${MARKERS.content} rollback plan` }, { content: `${MARKERS.rejected} 4111 1111 1111 1111` }],
        { bankId, context },
      );
      await brain.retainConversation([{ speaker: MARKERS.speaker, text: `The ${MARKERS.turn} is ready` }], {
        bankId,
        context,
      });
      await brain.recall(`what about ${MARKERS.query}?`, { bankId, context });
      await brain.reflect(`summarize ${MARKERS.reflect}`, { bankId, context });
      await handleMemoryTool(brain, 'memory_retain', { content: `Tool says ${MARKERS.toolContent}` }, { bankId });
      await handleMemoryTool(brain, 'memory_recall', { query: MARKERS.toolQuery }, { bankId });
      await brain.forget(bankId, { memoryIds: [stored.memoryId as string], reason: MARKERS.reason, context });
      // Failures whose messages quote the input, a bank named after a person, and a rejected API key.
      await expect(brain.recall(MARKERS.query, { bankId, minScore: MARKERS.badInput as never })).rejects.toThrow(
        MARKERS.badInput,
      );
      await brain.recall(MARKERS.query, { bankId: MARKERS.email });
      const wrongKey = await OpenAIEmbedder.create({ baseURL, apiKey: WRONG_KEY, model: 'embed-test', dimensions: 64 });
      const refused = await makeBrain({ embedder: wrongKey });
      await expect(refused.retain(`Never ${MARKERS.content}`, { bankId })).rejects.toMatchObject({
        code: 'provider_auth',
      });

      const spans = await recorder.spans();
      const points = await recorder.points();
      // The test can fail: the operations were recorded, with their embedding and LLM calls.
      const names = new Set(spans.map((s) => s.name));
      for (const name of ['astrocyte.retain', 'astrocyte.reflect', 'astrocyte.llm.complete', 'astrocyte.embed'])
        expect(names).toContain(name);
      expect(spans.some((s) => s.failed && s.attributes['astrocyte.error.code'] === 'provider_auth')).toBe(true);
      expect(points.length).toBeGreaterThan(0);

      const recorded = JSON.stringify({ spans, points }).toLowerCase();
      for (const [what, marker] of Object.entries({ ...MARKERS, apiKey: API_KEY, wrongKey: WRONG_KEY })) {
        expect(recorded.includes(marker.toLowerCase()), `${what} (${marker}) appears in telemetry`).toBe(false);
      }
      // The card number as written or as digits only: its first four digits alone turn up by chance in span ids and
      // durations (failed CI once).
      expect(recorded).not.toContain('4111 1111');
      expect(recorded).not.toContain('4111111111111111');
    });
  });
}
