import { describe, expect, it } from 'vitest';
import { Astrocyte } from '../../astrocyte.js';
import { LocalEmbedder } from '../../embedders/local-embedder.js';
import { PolicyError, ValidationError } from '../../errors.js';
import { Governance, type GovernanceOptions } from '../../governance/governance.js';
import type { MemoryStore } from '../../memory-store.js';
import { handleMemoryTool } from '../../tools/handle-memory-tool.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness, expectFieldErrors, manualClock } from './harness.js';

const DAY = 86_400_000;
const CARD = '4111 1111 1111 1111';

/** Every text a brain can still show for a bank: live memories, their tags and metadata, and every version. */
async function everythingVisible(brain: Astrocyte, bankId: string, ids: string[]): Promise<string> {
  const live = await brain.list(bankId, { limit: 1000 });
  const histories = await Promise.all(ids.map((id) => brain.history(bankId, id).catch(() => [])));
  return JSON.stringify([live, histories]);
}

/** The PII barrier, rules, explain, forget policies, supersession, expiry and erasure, through the Brain. */
export function describeGovernance(factory: StoreFactory): void {
  describe('governance', () => {
    const makeBrain = brainHarness(factory);
    const governed = (options: GovernanceOptions, extra: Parameters<typeof makeBrain>[0] = {}) =>
      makeBrain({ ...extra, governance: new Governance(options) });

    describe('PII barrier', () => {
      it('redacts by default in content, tags and string metadata, reports it and records a redact version', async () => {
        const brain = await makeBrain();
        const bankId = randomBankId();
        const result = await brain.retain('Email jane.doe@example.com or call +1 (555) 123-4567 about the lease', {
          bankId,
          tags: ['contact', 'jane.doe@example.com'],
          metadata: { owner: { email: 'owner@example.org' }, dob: '1985-03-14', count: 3 },
          context: { actor: 'agent-1' },
        });
        expect(result).toMatchObject({ stored: true, redacted: ['email', 'phone', 'date_of_birth'] });
        const [memory] = (await brain.list(bankId)).items;
        expect(memory?.text).toBe('Email [EMAIL] or call [PHONE] about the lease');
        expect(memory?.tags).toEqual(['contact', '[EMAIL]']);
        expect(memory?.metadata).toEqual({ owner: { email: '[EMAIL]' }, dob: '[DATE_OF_BIRTH]', count: 3 });
        const history = await brain.history(bankId, result.memoryId as string);
        expect(history.map((v) => [v.action, v.actor])).toEqual([
          ['create', 'agent-1'],
          ['redact', 'agent-1'],
        ]);
        expect(history[1]?.reason).toBe('redacted email, phone, date_of_birth');
        const visible = await everythingVisible(brain, bankId, [result.memoryId as string]);
        for (const raw of ['jane.doe@example.com', '123-4567', 'owner@example.org', '1985-03-14']) {
          expect(visible).not.toContain(raw);
        }
      });

      it('keeps a redacted tag once, and refuses a forget, recall or listing by a tag the policy redacts', async () => {
        const brain = await makeBrain();
        const bankId = randomBankId();
        await brain.retain('Jane prefers window seats', { bankId, tags: ['customer:jane@example.com'] });
        await brain.retain('Bob is allergic to peanuts', { bankId, tags: ['customer:bob@example.org'] });
        await brain.retain('A shared note', { bankId, tags: ['a@example.com', 'b@example.org'] });
        expect((await brain.list(bankId)).items.map((m) => m.tags)).toEqual([
          ['customer:[EMAIL]'],
          ['customer:[EMAIL]'],
          ['[EMAIL]'],
        ]);
        // Matched nothing in silence: an erasure request by the tag as given did nothing.
        const byTag = ['customer:jane@example.com'];
        await expectFieldErrors([
          [() => brain.forget(bankId, { tags: byTag }), 'tags[0]'],
          [() => brain.recall('window seats', { bankId, tags: byTag }), 'tags[0]'],
          [() => brain.list(bankId, { tags: byTag }), 'tags[0]'],
        ]);
        const error = await brain.forget(bankId, { tags: byTag }).catch((e) => e);
        expect(error.message).toContain('an email address (email), which the policy of bank');
        expect(error.message).not.toContain('jane@example.com');
        expect((await brain.list(bankId)).items).toHaveLength(3);
        // Where the policy stores the tag as given, it is a selector like any other.
        const warned = await governed({ pii: { default: 'warn' } });
        await warned.retain('Jane prefers window seats', { bankId, tags: byTag });
        expect(await warned.forget(bankId, { tags: byTag })).toEqual({ deletedCount: 1 });
      });

      it('selects by a PII tag across banks when one of them stores the tag as given, and names every bank that does not', async () => {
        const crm = randomBankId();
        const support = randomBankId();
        const billing = randomBankId();
        const brain = await governed({
          pii: {
            banks: [
              { pattern: crm, default: 'off' },
              { pattern: billing, overrides: { email: 'reject' } },
            ],
          },
        });
        const tag = 'customer:jane@example.com';
        await brain.retain('Jane asked for a refund', { bankId: crm, tags: [tag] });
        await brain.retain('Jane asked for a refund by phone', { bankId: support, tags: [tag] });
        const { hits } = await brain.recall('refund', { bankIds: [crm, support], tags: [tag] });
        expect(hits.map((hit) => hit.bankId)).toEqual([crm]);
        const error = await brain.recall('refund', { bankIds: [support, billing], tags: [tag] }).catch((e) => e);
        expect(ValidationError.isInstance(error)).toBe(true);
        expect(error.message).toContain(
          `which the policy of every selected bank ("${support}", "${billing}") redacts or refuses in tags`,
        );
      });

      it('rejects under a reject policy: stored false, a reason naming the type but not the value, nothing kept', async () => {
        const brain = await governed({ pii: { overrides: { credit_card: 'reject' } } });
        const bankId = randomBankId();
        const result = await brain.retain(`my card is ${CARD}`, { bankId });
        expect(result).toMatchObject({ stored: false, memoryId: null, deduplicated: false });
        expect(result.reason).toContain('credit_card');
        expect(result.reason).not.toMatch(/4111|1111/);
        expect((await brain.list(bankId)).items).toEqual([]);
        expect((await brain.recall('card', { bankId })).hits).toEqual([]);
        expect((await brain.banks()).map((b) => b.bankId)).not.toContain(bankId);
        // Other types still follow the default action.
        expect((await brain.retain('write to a@example.com', { bankId })).redacted).toEqual(['email']);
      });

      it('gives an agent using the tools stored:false and a reason it can relay', async () => {
        const brain = await governed({ pii: { overrides: { credit_card: 'reject' } } });
        const bankId = randomBankId();
        const out = await handleMemoryTool(brain, 'memory_retain', { content: `my card is ${CARD}` }, { bankId });
        expect(JSON.parse(out)).toEqual({
          stored: false,
          memory_id: null,
          reason: expect.stringContaining('payment card'),
        });
        expect(out).not.toContain('4111');
        expect((await brain.list(bankId)).items).toEqual([]);
      });

      it('warns: stores the content as given and reports the types; off ignores them', async () => {
        const brain = await governed({ pii: { default: 'off', overrides: { email: 'warn' } } });
        const bankId = randomBankId();
        const warned = await brain.retain('ping bob@example.com from 192.0.2.7', { bankId });
        expect(warned).toMatchObject({ stored: true, warned: ['email'] });
        expect(warned.redacted).toBeUndefined();
        expect((await brain.list(bankId)).items[0]?.text).toBe('ping bob@example.com from 192.0.2.7');
      });

      it('applies per-bank policies by bank pattern', async () => {
        const brain = await governed({
          pii: { default: 'redact', overrides: { email: 'warn' }, banks: [{ pattern: 'hr-*', default: 'reject' }] },
        });
        const hr = randomBankId('hr');
        const other = randomBankId('eng');
        expect(await brain.retain('contact carol@example.com', { bankId: hr })).toMatchObject({ stored: false });
        expect(await brain.retain('contact carol@example.com', { bankId: other })).toMatchObject({
          stored: true,
          warned: ['email'],
        });
        expect(await brain.retain('no personal data here', { bankId: hr })).toMatchObject({ stored: true });
      });

      it('leaves near misses alone: order numbers, versions, ISO dates, non-Luhn numbers, prices', async () => {
        const brain = await makeBrain();
        const bankId = randomBankId();
        const text =
          'Order #555-123-4567 for version 1.2.3.4 shipped 2024-01-15; ref 4111 1111 1111 1112 cost $1,234.56';
        const result = await brain.retain(text, { bankId });
        expect(result.redacted).toBeUndefined();
        expect((await brain.list(bankId)).items[0]?.text).toBe(text);
      });

      it('masks PII in recall hits and reflect answers when the output scan is on', async () => {
        const brain = await governed({ pii: { default: 'warn', scanOutput: true } });
        const bankId = randomBankId();
        await brain.retain('Grace can be reached at grace@example.com', { bankId });
        const { hits } = await brain.recall('how to reach Grace', { bankId });
        expect(hits[0]?.text).toBe('Grace can be reached at [EMAIL]');
        const answer = await brain.reflect('How can Grace be reached?', { bankId });
        expect(answer.answer).toContain('[EMAIL]');
        expect(answer.answer).not.toContain('grace@example.com');
      });

      it("masks a hit's speaker and path too, and reflect's prompt names the masked speaker", async () => {
        const prompts: string[] = [];
        const llm = {
          name: 'recording',
          complete: async (request: { prompt: string }) => {
            prompts.push(request.prompt);
            return 'ok';
          },
        };
        const brain = await governed({ pii: { default: 'warn', scanOutput: true } }, { llm });
        const bankId = randomBankId();
        await brain.retainConversation([{ speaker: 'jane@example.com', text: 'I moved to Lisbon last spring' }], {
          bankId,
        });
        await brain.retain('Quarterly plan draft for Lisbon', { bankId, path: 'people/jane@example.com/plan' });
        const { hits } = await brain.recall('Lisbon', { bankId });
        expect(hits.map((h) => [h.speaker, h.path])).toHaveLength(2);
        expect(hits.map((h) => [h.speaker, h.path])).toEqual(
          expect.arrayContaining([
            ['[EMAIL]', undefined],
            [undefined, 'people/[EMAIL]/plan'],
          ]),
        );
        await brain.reflect('Where did Jane move?', { bankId });
        expect(prompts.join('')).toContain('[EMAIL]');
        expect(prompts.join('')).not.toContain('jane@example.com');
      });
    });

    describe('rules', () => {
      const rules = [
        {
          name: 'no-health-data',
          priority: 10,
          match: { content: '\\b(diagnos\\w*|chemotherapy|HIV)\\b' },
          action: 'reject',
          reason: 'health data is not kept in memory',
        },
        { name: 'hr-to-vault', priority: 20, match: { tags: ['hr'] }, action: 'route', to: 'vault-{bank}' },
        { name: 'tag-contacts', priority: 30, match: { pii: ['email'] }, action: 'tag', tags: ['gdpr'] },
        { name: 'contacts-expire', priority: 30, match: { pii: ['email'] }, action: 'expire', after: '30d' },
        {
          name: 'eu-metadata',
          priority: 40,
          match: { metadata: { region: 'eu' }, bank: 'team-*' },
          action: 'tag',
          tags: ['eu'],
        },
        { name: 'late-reject', priority: 90, match: { tags: ['hr'] }, action: 'reject', reason: 'never reached' },
      ];

      it('rejects with the rule reason and stores nothing', async () => {
        const brain = await governed({ rules });
        const bankId = randomBankId();
        const result = await brain.retain('Dan was diagnosed with flu', { bankId });
        expect(result).toMatchObject({ stored: false, reason: 'not stored: health data is not kept in memory' });
        expect((await brain.list(bankId)).items).toEqual([]);
      });

      it('routes to a bank templated from the original one', async () => {
        const brain = await governed({ rules });
        const bankId = randomBankId('team');
        const result = await brain.retain('Quarterly review notes for Eve', { bankId, tags: ['hr'] });
        expect(result).toMatchObject({ stored: true, bankId: `vault-${bankId}` });
        expect((await brain.list(bankId)).items).toEqual([]);
        expect((await brain.list(`vault-${bankId}`)).items.map((m) => m.text)).toEqual([
          'Quarterly review notes for Eve',
        ]);
      });

      it('refuses a correction that a rule would route away from the memory it replaces', async () => {
        const brain = await governed({ rules });
        const bankId = randomBankId('team');
        const original = await brain.retain('Eve reports to Dan', { bankId });
        const error = await brain
          .retain('Eve reports to Grace', { bankId, tags: ['hr'], supersedes: original.memoryId as string })
          .catch((e) => e);
        expect(PolicyError.isInstance(error)).toBe(true);
        expect((await brain.list(bankId)).items.map((m) => m.text)).toEqual(['Eve reports to Dan']);
        expect((await brain.list(`vault-${bankId}`)).items).toEqual([]);
      });

      it('adds tags and sets an expiry; expired memories never come back and purge erases them', async () => {
        const clock = manualClock();
        const brain = await governed({ rules }, { now: clock.now });
        const bankId = randomBankId('team');
        const result = await brain.retain('Frank prefers frank@example.com', { bankId, metadata: { region: 'eu' } });
        const [memory] = (await brain.list(bankId)).items;
        expect(memory?.tags).toEqual(['gdpr', 'eu']);
        expect(memory?.expiresAt?.getTime()).toBe(clock.now().getTime() + 30 * DAY);
        expect((await brain.recall('Frank prefers', { bankId })).hits).toHaveLength(1);
        clock.advance(30 * DAY);
        expect((await brain.recall('Frank prefers', { bankId })).hits).toEqual([]);
        expect(await brain.purgeExpired()).toBe(1);
        const history = await brain.history(bankId, result.memoryId as string);
        expect(history.at(-1)).toMatchObject({ action: 'expire', text: null });
        expect(history.every((v) => v.text === null)).toBe(true);
        expect(await brain.purgeExpired()).toBe(0);
      });

      it('explains the decision and every rule that matched, storing nothing', async () => {
        const brain = await governed({ rules });
        const bankId = randomBankId('team');
        const decision = await brain.explain('Contact ivy@example.com', {
          bankId,
          tags: ['hr'],
          metadata: { region: 'eu' },
        });
        expect(decision).toMatchObject({
          action: 'store',
          bankId: `vault-${bankId}`,
          redact: ['email'],
          piiDetected: ['email'],
        });
        expect(decision.matched.map((m) => [m.rule, m.applied])).toEqual([
          ['hr-to-vault', true],
          ['tag-contacts', false],
          ['contacts-expire', false],
          ['eu-metadata', false],
          ['late-reject', false],
        ]);
        const rejected = await brain.explain('chemotherapy starts Monday', { bankId });
        expect(rejected).toMatchObject({ action: 'reject', reason: 'not stored: health data is not kept in memory' });
        expect(rejected.matched.map((m) => m.rule)).toEqual(['no-health-data']);
        expect((await brain.list(bankId)).items).toEqual([]);
        expect((await brain.list(`vault-${bankId}`)).items).toEqual([]);
      });

      it('forces redaction of types the barrier would only warn about', async () => {
        const brain = await governed({
          pii: { default: 'warn' },
          rules: [{ name: 'redact-ips', match: { pii: ['ip_address'] }, action: 'redact', types: ['ip_address'] }],
        });
        const bankId = randomBankId();
        const result = await brain.retain('Login from 198.51.100.7 by ops@example.com', { bankId });
        expect(result).toMatchObject({ redacted: ['ip_address'], warned: ['email'] });
        expect((await brain.list(bankId)).items[0]?.text).toBe('Login from [IP_ADDRESS] by ops@example.com');
      });
    });

    describe('forget policies', () => {
      it('keeps memories under legal hold unless overridden with a reason', async () => {
        const brain = await makeBrain();
        const bankId = randomBankId();
        const held = await brain.retain('Contract terms with Acme', { bankId, tags: ['legal-hold'] });
        const free = await brain.retain('Lunch is at noon', { bankId });
        const first = await brain.forget(bankId, { all: true });
        expect(first.deletedCount).toBe(1);
        expect(first.skipped).toEqual([{ memoryId: held.memoryId, reason: expect.stringContaining('legal hold') }]);
        expect((await brain.history(bankId, free.memoryId as string)).at(-1)?.action).toBe('forget');
        const viaTool = JSON.parse(
          await handleMemoryTool(brain, 'memory_forget', { memory_ids: held.memoryId }, { bankId }),
        );
        expect(viaTool).toEqual({
          deleted_count: 0,
          skipped: [{ memory_id: held.memoryId, reason: expect.stringContaining('legal hold') }],
        });
        const noReason = await brain.forget(bankId, { all: true, overrideLegalHold: true }).catch((e) => e);
        expect(ValidationError.isInstance(noReason)).toBe(true);
        expect((await brain.list(bankId)).items).toHaveLength(1);
        const second = await brain.forget(bankId, {
          memoryIds: [held.memoryId as string],
          overrideLegalHold: true,
          reason: 'hold released by counsel',
          context: { actor: 'legal-team' },
        });
        expect(second).toEqual({ deletedCount: 1 });
        expect((await brain.history(bankId, held.memoryId as string)).at(-1)).toMatchObject({
          action: 'forget',
          actor: 'legal-team',
          reason: 'hold released by counsel',
          text: null,
        });
      });

      it('reads hold tags and rule tags as stored tags are read: with stray spaces or decomposed, they still hold', async () => {
        // 'Legal Hold ' and a decomposed 'rétention' never equalled a stored tag (trimmed, NFC): nothing was held.
        const brain = await governed({
          forget: { legalHoldTags: ['Legal Hold ', 're\u0301tention'] },
          rules: [{ name: 'no-drafts', match: { tags: [' e\u0301bauche '] }, action: 'reject', reason: 'no drafts' }],
        });
        const bankId = randomBankId();
        const spaced = await brain.retain('Board minutes of March', { bankId, tags: ['Legal Hold'] });
        const decomposed = await brain.retain('Supplier contract terms', { bankId, tags: ['rétention'] });
        const forgotten = await brain.forget(bankId, { memoryIds: [spaced.memoryId, decomposed.memoryId] as string[] });
        expect(forgotten.deletedCount).toBe(0);
        expect(forgotten.skipped?.map((s) => s.memoryId).sort()).toEqual([spaced.memoryId, decomposed.memoryId].sort());
        expect(await brain.retain('A draft of the memo', { bankId, tags: ['ébauche'] })).toMatchObject({
          stored: false,
          reason: 'not stored: no drafts',
        });
      });

      it('a legal hold tag removes any expiry, so purge cannot defeat the hold', async () => {
        const clock = manualClock();
        const brain = await makeBrain({ now: clock.now });
        const bankId = randomBankId();
        const expiresAt = new Date(clock.now().getTime() + DAY);
        await brain.retain('Evidence log entry', { bankId, tags: ['legal-hold'], expiresAt });
        clock.advance(2 * DAY);
        expect(await brain.purgeExpired()).toBe(0);
        expect((await brain.list(bankId)).items).toHaveLength(1);
      });

      it('a legal hold placed by retaining a stored memory again removes its expiry too', async () => {
        const clock = manualClock();
        const brain = await makeBrain({ now: clock.now });
        const bankId = randomBankId();
        const expiresAt = new Date(clock.now().getTime() + DAY);
        const first = await brain.retain('The contract was signed on 3 May.', { bankId, expiresAt });
        const again = await brain.retain('The contract was signed on 3 May.', { bankId, tags: ['legal-hold'] });
        expect(again).toMatchObject({ deduplicated: true, duplicateOf: first.memoryId, mergedTags: ['legal-hold'] });
        clock.advance(2 * DAY);
        expect(await brain.purgeExpired()).toBe(0);
        expect((await brain.recall('contract signed', { bankId })).hits.map((h) => h.memoryId)).toEqual([
          first.memoryId,
        ]);
      });

      it("a repeat moves a memory's expiry later, never removes it, and says when the memory expires", async () => {
        const clock = manualClock();
        const brain = await makeBrain({ now: clock.now });
        const bankId = randomBankId();
        const inDays = (days: number) => new Date(clock.now().getTime() + days * DAY);
        const text = 'Carol prefers window seats';
        const first = await brain.retain(text, { bankId, expiresAt: inDays(1) });
        const sooner = await brain.retain(text, { bankId, expiresAt: inDays(0.5) });
        expect(sooner).toMatchObject({ deduplicated: true, duplicateOf: first.memoryId, expiresAt: inDays(1) });
        expect(await brain.retain(text, { bankId, expiresAt: inDays(7) })).not.toHaveProperty('expiresAt');
        // Without an expiry, a repeat changes none: a model's memory_retain, which carries none, cannot pin a memory.
        expect(await brain.retain(text, { bankId })).toMatchObject({
          duplicateOf: first.memoryId,
          expiresAt: inDays(7),
        });
        const viaTool = JSON.parse(await handleMemoryTool(brain, 'memory_retain', { content: text }, { bankId }));
        expect(viaTool).toMatchObject({ deduplicated: true, expires_at: inDays(7).toISOString() });
        // In one batch too: the second item repeats the first, stored by the same call.
        const batch = await brain.retainMany(
          [{ content: 'Dan prefers aisle seats', expiresAt: inDays(1) }, { content: 'Dan prefers aisle seats' }],
          { bankId },
        );
        expect(batch[1]).toMatchObject({ deduplicated: true, duplicateOf: batch[0]?.memoryId, expiresAt: inDays(1) });
        clock.advance(2 * DAY);
        expect((await brain.recall('window aisle seats', { bankId })).hits.map((h) => h.memoryId)).toEqual([
          first.memoryId,
        ]);
        expect(await brain.purgeExpired()).toBe(1);
        clock.advance(30 * DAY);
        expect(await brain.purgeExpired()).toBe(1);
        expect((await brain.list(bankId)).items).toEqual([]);
      });

      it('retains anew the repeat of a memory that has expired but is not purged yet, exact or near', async () => {
        const clock = manualClock();
        const brain = await makeBrain({ now: clock.now });
        const bankId = randomBankId();
        const inDays = (days: number) => new Date(clock.now().getTime() + days * DAY);
        const latex = await brain.retain('Ana is allergic to latex', { bankId, expiresAt: inDays(1) });
        const pollen = await brain.retain('Ana is allergic to pollen', { bankId, expiresAt: inDays(1) });
        clock.advance(2 * DAY);
        expect((await brain.recall('Ana allergic', { bankId })).hits).toEqual([]);
        const viaTool = JSON.parse(
          await handleMemoryTool(brain, 'memory_retain', { content: 'Ana is allergic to latex' }, { bankId }),
        );
        expect(viaTool).toMatchObject({ duplicate_of: latex.memoryId });
        expect(viaTool).not.toHaveProperty('expires_at');
        const near = await brain.retain('Ana is allergic to pollen!', { bankId, expiresAt: inDays(5) });
        expect(near).toMatchObject({ duplicateOf: pollen.memoryId });
        expect(near).not.toHaveProperty('expiresAt');
        expect(await brain.purgeExpired()).toBe(0);
        expect((await brain.recall('Ana allergic', { bankId })).hits.map((h) => h.memoryId).sort()).toEqual(
          [latex.memoryId, pollen.memoryId].sort(),
        );
        clock.advance(6 * DAY);
        expect(await brain.purgeExpired()).toBe(1);
        expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([latex.memoryId]);
      });

      it('keeps a memory a repeated retain put under legal hold while forget or purge was erasing it', async () => {
        const clock = manualClock();
        const store = await factory.create();
        // Runs once, between the erasure's reading of its selection and the store's erase: a concurrent retain.
        let meanwhile: (() => Promise<unknown>) | undefined;
        const racing = new Proxy(store, {
          get(target, key) {
            const value = Reflect.get(target, key, target);
            if (key !== 'erase') return typeof value === 'function' ? value.bind(target) : value;
            return async (...args: Parameters<MemoryStore['erase']>) => {
              const retain = meanwhile;
              meanwhile = undefined;
              await retain?.();
              return target.erase(...args);
            };
          },
        });
        const brain = await Astrocyte.create({ embedder: new LocalEmbedder(), store: racing, now: clock.now });
        try {
          const bankId = randomBankId();
          const expiresAt = new Date(clock.now().getTime() + DAY);
          const signed = 'The contract was signed on 3 May.';
          const paid = 'The invoice was paid on 9 June.';
          const first = (await brain.retain(signed, { bankId, expiresAt })).memoryId as string;
          const second = (await brain.retain(paid, { bankId, expiresAt })).memoryId as string;
          const hold = (text: string) => async () =>
            expect(await brain.retain(text, { bankId, tags: ['legal-hold'] })).toMatchObject({
              mergedTags: ['legal-hold'],
            });

          meanwhile = hold(signed);
          expect(await brain.forget(bankId, { memoryIds: [first] })).toEqual({
            deletedCount: 0,
            skipped: [{ memoryId: first, reason: expect.stringContaining('legal hold') }],
          });
          meanwhile = hold(paid);
          clock.advance(2 * DAY);
          expect(await brain.purgeExpired()).toBe(0);
          expect((await brain.list(bankId)).items.map((m) => m.id).sort()).toEqual([first, second].sort());
        } finally {
          await brain.close();
        }
      });

      it('keeps memories younger than the minimum age, measured on the injected clock', async () => {
        const clock = manualClock();
        const brain = await governed({ forget: { minAgeDays: 7 } }, { now: clock.now });
        const bankId = randomBankId();
        const { memoryId } = await brain.retain('Audit trail entry', { bankId });
        const early = await brain.forget(bankId, { memoryIds: [memoryId as string] });
        expect(early).toEqual({ deletedCount: 0, skipped: [{ memoryId, reason: expect.stringContaining('7 days') }] });
        clock.advance(8 * DAY);
        expect(await brain.forget(bankId, { memoryIds: [memoryId as string] })).toEqual({ deletedCount: 1 });
      });

      it('purge keeps an expired memory younger than the minimum age, hidden, and erases it once old enough', async () => {
        const clock = manualClock();
        const brain = await governed(
          {
            forget: { minAgeDays: 30 },
            rules: [{ name: 'short', match: { tags: ['tmp'] }, action: 'expire', after: '7d' }],
          },
          { now: clock.now },
        );
        const bankId = randomBankId();
        const old = await brain.retain('Visitor badge for the March audit', { bankId, tags: ['tmp'] });
        clock.advance(25 * DAY);
        const young = await brain.retain('Visitor badge for the April audit', { bankId, tags: ['tmp'] });
        clock.advance(8 * DAY);
        // 33 and 8 days old, both expired: the older goes, the younger stays below the floor (purge used to erase it).
        expect(await brain.purgeExpired()).toBe(1);
        expect((await brain.history(bankId, old.memoryId as string)).at(-1)?.action).toBe('expire');
        expect((await brain.history(bankId, young.memoryId as string)).at(-1)?.text).toBe(
          'Visitor badge for the April audit',
        );
        expect((await brain.recall('visitor badge audit', { bankId })).hits).toEqual([]);
        expect(await brain.purgeExpired()).toBe(0);
        clock.advance(23 * DAY);
        expect(await brain.purgeExpired()).toBe(1);
        expect((await brain.history(bankId, young.memoryId as string)).at(-1)).toMatchObject({ action: 'expire' });
      });

      it('refuses a forget larger than the per-call maximum and erases nothing', async () => {
        const brain = await governed({ forget: { maxPerCall: 2 } });
        const bankId = randomBankId();
        await brain.retainMany([{ content: 'one apple' }, { content: 'two pears' }, { content: 'three plums' }], {
          bankId,
        });
        const error = await brain.forget(bankId, { all: true }).catch((e) => e);
        expect(PolicyError.isInstance(error)).toBe(true);
        expect((await brain.list(bankId)).items).toHaveLength(3);
        expect(await brain.forget(bankId, { tags: ['none-such'] })).toEqual({ deletedCount: 0 });
      });

      it('counts a long text stored as chunks as one memory against the per-call maximum', async () => {
        const brain = await governed({ forget: { maxPerCall: 2 } }, { limits: { chunkSize: 1000 } });
        const bankId = randomBankId();
        const text = Array.from({ length: 8 }, (_, i) => `Clause ${i} of the lease says ${'rent is due '.repeat(20)}`);
        const lease = await brain.retain(text.join('\n\n'), { bankId });
        expect(lease.chunkIds?.length).toBeGreaterThan(2);
        await brain.retain('The deposit is two months of rent', { bankId });
        // The lease and the note: two texts, whatever the lease's chunks; no narrower selection could split the lease.
        expect(await brain.forget(bankId, { all: true })).toEqual({ deletedCount: (lease.chunkIds?.length ?? 0) + 1 });
        expect((await brain.list(bankId)).items).toEqual([]);
      });
    });

    describe('versions, supersession and erasure', () => {
      it('supersedes: the old memory leaves recall but stays readable in history', async () => {
        const brain = await makeBrain();
        const bankId = randomBankId();
        const old = await brain.retain('Hana lives in Paris', { bankId, context: { actor: 'agent-a' } });
        const next = await brain.retain('Hana lives in Berlin', {
          bankId,
          supersedes: old.memoryId as string,
          context: { actor: 'agent-b' },
        });
        expect(next.stored).toBe(true);
        const { hits } = await brain.recall('Where does Hana live?', { bankId });
        expect(hits.map((h) => h.text)).toEqual(['Hana lives in Berlin']);
        expect((await brain.list(bankId)).items.map((m) => m.id)).toEqual([next.memoryId]);
        const history = await brain.history(bankId, old.memoryId as string);
        expect(history.map((v) => [v.action, v.actor])).toEqual([
          ['create', 'agent-a'],
          ['supersede', 'agent-b'],
        ]);
        expect(history[0]?.text).toBe('Hana lives in Paris');
        expect(history[1]?.relatedId).toBe(next.memoryId);
        const missing = await brain.retain('x', { bankId, supersedes: 'no-such-id' }).catch((e) => e);
        expect(missing.code).toBe('not_found');
      });

      it('forget erases the text from every version, superseded ones included, leaving tombstones', async () => {
        const brain = await makeBrain();
        const bankId = randomBankId();
        const old = await brain.retain('Ivan PIN hint is the cat name', { bankId });
        const next = await brain.retain('Ivan PIN hint is the dog name', {
          bankId,
          supersedes: old.memoryId as string,
        });
        await brain.forget(bankId, { memoryIds: [next.memoryId as string], reason: 'user request' });
        const visible = await everythingVisible(brain, bankId, [old.memoryId as string, next.memoryId as string]);
        expect(visible).not.toContain('PIN hint');
        const tombstone = (await brain.history(bankId, next.memoryId as string)).at(-1);
        expect(tombstone).toMatchObject({ action: 'forget', reason: 'user request', text: null });
        expect((await brain.history(bankId, old.memoryId as string)).every((v) => v.text === null)).toBe(true);
        expect((await brain.recall('PIN hint', { bankId })).hits).toEqual([]);
      });

      it('expiry on retain: hidden at the instant it expires, purged with a content-free expire row', async () => {
        const clock = manualClock();
        const brain = await makeBrain({ now: clock.now });
        const bankId = randomBankId();
        const { memoryId } = await brain.retain('Temporary door code rotation note', {
          bankId,
          expiresAt: new Date(clock.now().getTime() + DAY),
        });
        await brain.retain('Permanent note about doors', { bankId });
        clock.advance(DAY);
        expect((await brain.recall('door code rotation', { bankId })).hits.map((h) => h.memoryId)).not.toContain(
          memoryId,
        );
        expect(await brain.purgeExpired()).toBe(1);
        expect((await brain.list(bankId)).items.map((m) => m.text)).toEqual(['Permanent note about doors']);
        const history = await brain.history(bankId, memoryId as string);
        expect(history.map((v) => v.action)).toEqual(['create', 'expire']);
        expect(history.every((v) => v.text === null)).toBe(true);
      });
    });
  });
}
