import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { type MemoryStoreFixture, memoryStoresPerTest } from './__fixtures__/memory-store-fixture.js';
import type { AgentTurn } from './emulator/index.js';
import { pullMemoryStoreToBank } from './memory-store-pull.js';
import { pushBankToMemoryStore } from './memory-store-push.js';

const start = memoryStoresPerTest();

/** A session with the fixture's store mounted read-write; each user message runs the scripted agent once. */
async function sessionWithStore({ client, memoryStoreId }: MemoryStoreFixture) {
  const agent = await client.beta.agents.create({
    name: 'note taker',
    model: 'claude-sonnet-4-6',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  const environment = await client.beta.environments.create({ name: 'notes' });
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    resources: [{ type: 'memory_store', memory_store_id: memoryStoreId, access: 'read_write' }],
  });
  const say = (text: string) =>
    client.beta.sessions.events.send(session.id, {
      events: [{ type: 'user.message', content: [{ type: 'text', text }] }],
    });
  return { sessionId: session.id, say };
}

/** The store memory a push wrote for `memoryId`, with its content. */
async function storeFile(client: Anthropic, memoryStoreId: string, memoryId: string) {
  for await (const item of client.beta.memoryStores.memories.list(memoryStoreId, { view: 'full', limit: 20 }))
    if (item.type === 'memory' && item.path.endsWith(`/${memoryId}.md`)) return item;
  throw new Error(`no file of ${memoryId}`);
}

/** The agent of these tests: "write <path> <text>" writes a file of its store, "read <path>" reads one. */
async function noteTaker(turn: AgentTurn): Promise<void> {
  const root = turn.memoryMounts[0]?.mountPath as string;
  const [verb, path, ...words] = turn.message.split(' ');
  if (verb === 'write') await turn.writeMemoryFile(`${root}${path}`, words.join(' '));
  else if (verb === 'read') turn.say((await turn.readMemoryFile(`${root}${path}`)).text);
}

/** Part n of a long text: three of them are stored as three chunks. */
const section = (n: number) =>
  `Section ${n}. ${'Detail of the onboarding handbook explains a step. '.repeat(60)}`.trim();

describe('pullMemoryStoreToBank', () => {
  it('retains a store memory with an email through the PII barrier, with its path and where it came from', async () => {
    const { client, brain, bankId, memoryStoreId } = await start();
    const created = await client.beta.memoryStores.memories.create(memoryStoreId, {
      path: '/contacts/dana.md',
      content: 'Reach Dana at dana@example.com about the audit.',
    });
    const pulled = await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId, tags: ['from-store'] });
    expect(pulled).toMatchObject({ read: 1, stored: 1, redacted: 1, deduplicated: 0, rejected: 0, failed: [] });
    const [memory] = (await brain.list(bankId)).items;
    expect(memory?.text).toContain('Reach Dana at');
    expect(memory?.text).not.toContain('dana@example.com');
    expect(memory).toMatchObject({
      path: 'contacts/dana.md',
      tags: ['from-store'],
      metadata: {
        memory_store_id: memoryStoreId,
        memory_store_memory_id: created.id,
        memory_store_content_sha256: created.content_sha256,
      },
    });
  });

  it('stores nothing new when repeated, and replaces its earlier memory when a file changed', async () => {
    const { client, brain, bankId, memoryStoreId } = await start();
    const notes = client.beta.memoryStores.memories;
    const plan = await notes.create(memoryStoreId, { path: '/plans/q3.md', content: 'Q3: hire two engineers.' });
    await notes.create(memoryStoreId, { path: '/plans/q4.md', content: 'Q4: open the Porto office.' });
    await notes.create(memoryStoreId, { path: '/elsewhere/x.md', content: 'Not under the prefix.' });
    const options = { memoryStoreId, bankId, pathPrefix: '/plans/' };
    expect(await pullMemoryStoreToBank(client, brain, options)).toMatchObject({ read: 2, stored: 2 });
    const again = await pullMemoryStoreToBank(client, brain, options);
    expect(again).toMatchObject({ read: 2, stored: 0, unchanged: 2, memoryIds: [] });
    expect((await brain.list(bankId)).items).toHaveLength(2);

    await notes.update(plan.id, { memory_store_id: memoryStoreId, content: 'Q3: hire three engineers.' });
    expect(await pullMemoryStoreToBank(client, brain, options)).toMatchObject({ stored: 1, superseded: 1 });
    const texts = (await brain.list(bankId)).items.map((m) => m.text).sort();
    expect(texts).toEqual(['Q3: hire three engineers.', 'Q4: open the Porto office.']);
  });

  it('replaces its earlier memory of a changed file whose path the PII barrier redacted', async () => {
    const { client, brain, bankId, memoryStoreId } = await start();
    const notes = client.beta.memoryStores.memories;
    const path = '/contacts/jane.doe@example.com/notes.md';
    const file = await notes.create(memoryStoreId, { path, content: 'Dana prefers tea.' });
    const options = { memoryStoreId, bankId };
    expect(await pullMemoryStoreToBank(client, brain, options)).toMatchObject({ stored: 1 });
    expect(await pullMemoryStoreToBank(client, brain, options)).toMatchObject({ stored: 0, unchanged: 1 });
    await notes.update(file.id, { memory_store_id: memoryStoreId, content: 'Dana now prefers coffee.' });
    expect(await pullMemoryStoreToBank(client, brain, options)).toMatchObject({ stored: 1, superseded: 1 });
    const live = (await brain.list(bankId)).items.map((m) => [m.path, m.text]);
    expect(live).toEqual([['contacts/[EMAIL]/notes.md', 'Dana now prefers coffee.']]);
  });

  it('with sinceSession, ingests only what that session wrote, as the session left it', async () => {
    const fixture = await start({ agent: noteTaker });
    const { client, brain, bankId, memoryStoreId } = fixture;
    const first = await sessionWithStore(fixture);
    const second = await sessionWithStore(fixture);
    await first.say('write /notes/ada.md Ada prefers tea.');
    await first.say('write /notes/ada.md Ada prefers green tea.');
    await first.say('write /notes/bob.md Bob is on leave in May.');
    await second.say('write /notes/carl.md Carl runs the Oslo team.');
    await client.beta.memoryStores.memories.create(memoryStoreId, {
      path: '/notes/api.md',
      content: 'Written by API.',
    });

    const pulled = await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId, sinceSession: first.sessionId });
    expect(pulled).toMatchObject({ read: 2, stored: 2, sinceSession: first.sessionId });
    const memories = (await brain.list(bankId)).items;
    expect(memories.map((m) => [m.path, m.text]).sort()).toEqual([
      ['notes/ada.md', 'Ada prefers green tea.'],
      ['notes/bob.md', 'Bob is on leave in May.'],
    ]);
    await expect(
      pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId, sinceSession: first.sessionId }),
    ).resolves.toMatchObject({ stored: 0, unchanged: 2 });
  });

  it('skips the files a push wrote, and turns an agent edit of one into a correction of the pushed memory', async () => {
    const fixture = await start({ agent: noteTaker });
    const { client, brain, bankId, memoryStoreId, files } = fixture;
    const meeting = await brain.retain('The board meets on Monday.', { bankId, tags: ['board'], path: 'company' });
    const gone = await brain.retain('The old wifi password is on the fridge.', { bankId });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({
      read: 2,
      stored: 0,
      skipped: 2,
    });

    // The agent reads the pushed memory with its file tools and corrects it; the bank forgets the other meanwhile.
    const { sessionId, say } = await sessionWithStore(fixture);
    const file = `/${bankId}/company/${meeting.memoryId}.md`;
    await say(`read ${file}`);
    const pushed = [...(await files()).entries()].find(([path]) => path === file)?.[1] as string;
    await say(`write ${file} ${pushed.replace('Monday', 'Wednesday')}`);
    await brain.forget(bankId, { memoryIds: [gone.memoryId as string] });
    const pulled = await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId });
    expect(pulled).toMatchObject({ read: 2, stored: 1, superseded: 1, skipped: 1 });
    const [corrected, ...others] = (await brain.list(bankId)).items;
    expect(others).toEqual([]);
    expect(corrected).toMatchObject({ text: 'The board meets on Wednesday.', tags: ['board'], path: 'company' });
    expect(sessionId).toMatch(/^sesn_/);

    const next = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(next).toMatchObject({ created: 0, updated: 1, deleted: 1, keptEdits: [] });
    expect([...(await files()).keys()]).toEqual([`/${bankId}/company/${corrected?.id}.md`]);
  });

  it('puts an agent edit of a long text chunk file in its place, keeping the rest of the text', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start();
    const retained = await brain.retain([1, 2, 3].map(section).join('\n\n'), { bankId, tags: ['handbook'] });
    expect(retained.chunkIds).toHaveLength(3);
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    // The agent fixes the second and third chunks' files in one session.
    for (const n of [2, 3]) {
      const chunkId = retained.chunkIds?.[n - 1] as string;
      const file = await storeFile(client, memoryStoreId, chunkId);
      await client.beta.memoryStores.memories.update(file.id, {
        memory_store_id: memoryStoreId,
        content: (file.content ?? '').replace(`Section ${n}.`, `Chapter ${n}.`),
      });
    }
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({
      stored: 1,
      superseded: 1,
      failed: [],
    });
    const corrected = [section(1), section(2).replace('Section', 'Chapter'), section(3).replace('Section', 'Chapter')];
    const text = async () => (await brain.list(bankId)).items.map((m) => m.text).join('\n\n');
    expect((await text()) === corrected.join('\n\n')).toBe(true);
    expect((await brain.list(bankId)).items.every((m) => m.tags.includes('handbook'))).toBe(true);
    // Both edited files were taken in: pulled again before a push, they change nothing.
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({
      stored: 0,
      unchanged: 2,
    });
    expect((await text()) === corrected.join('\n\n')).toBe(true);
    // The edited files were taken in: the push moves them to the new chunks and keeps no edit beside them.
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(pushed).toMatchObject({ keptEdits: [] });
    expect((await files()).size).toBe(3);
  });

  it('reports an edit of a chunk replaced since the push, and leaves the text that replaced it alone', async () => {
    const { client, brain, bankId, memoryStoreId } = await start();
    const retained = await brain.retain([1, 2, 3].map(section).join('\n\n'), { bankId });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const edit = async (n: number, from: string, to: string) => {
      const file = await storeFile(client, memoryStoreId, retained.chunkIds?.[n - 1] as string);
      await client.beta.memoryStores.memories.update(file.id, {
        memory_store_id: memoryStoreId,
        content: (file.content ?? '').replace(from, to),
      });
      return file.path;
    };
    await edit(3, 'Section 3.', 'Chapter 3.');
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({ stored: 1 });
    const text = async () => (await brain.list(bankId)).items.map((m) => m.text).join('\n\n');
    const before = await text();
    // Chunk 2 is no longer live: its file, edited now, has no place in the new text's chunks.
    const path = await edit(2, 'Section 2.', 'Part 2.');
    const pulled = await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId });
    expect(pulled).toMatchObject({ stored: 0, unchanged: 1, failed: [{ path, code: 'not_found' }] });
    expect((await text()) === before).toBe(true);
  });

  it('keeps beside its file an edit of a chunk file that only deletes text, pushed before a pull', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start();
    const long = (n: number) => `${section(n)} Obsolete step ${n}.`;
    const retained = await brain.retain([1, 2, 3].map(long).join('\n\n'), { bankId });
    expect(retained.chunkIds).toHaveLength(3);
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const file = await storeFile(client, memoryStoreId, retained.chunkIds?.[1] as string);
    const edited = (file.content ?? '').replace(' Obsolete step 2.', '');
    await client.beta.memoryStores.memories.update(file.id, { memory_store_id: memoryStoreId, content: edited });
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(pushed.keptEdits).toEqual([expect.stringContaining(`/${retained.chunkIds?.[1]}.edit-`)]);
    expect((await files()).get(pushed.keptEdits[0] as string)).toBe(edited);
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({ stored: 1 });
    const text = (await brain.list(bankId)).items.map((m) => m.text).join('\n\n');
    expect(text.includes('Obsolete step 1.') && !text.includes('Obsolete step 2.')).toBe(true);
  });

  it("keeps an edited turn's speaker, place in its session and date; refuses an edit too long for one memory", async () => {
    const { client, brain, bankId, memoryStoreId } = await start();
    const occurredAt = new Date('2024-05-08T09:00:00Z');
    const [ann, bob] = await brain.retainConversation(
      [
        { speaker: 'Ann', text: 'The launch is on Friday.', occurredAt },
        { speaker: 'Bob', text: 'Noted, Friday it is.' },
      ],
      { bankId, sessionId: 'launch' },
    );
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const edit = async (memoryId: string, from: string, to: string) => {
      const file = await storeFile(client, memoryStoreId, memoryId);
      await client.beta.memoryStores.memories.update(file.id, {
        memory_store_id: memoryStoreId,
        content: (file.content ?? '').replace(from, to),
      });
      return file.path;
    };
    await edit(ann?.memoryId as string, 'Friday', 'Monday');
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({ superseded: 1 });
    const turns = (await brain.list(bankId)).items.map((m) => [m.text, m.speaker, m.episode, m.occurredAt]);
    expect(turns).toContainEqual(['The launch is on Monday.', 'Ann', { id: 'launch', position: 0 }, occurredAt]);

    const path = await edit(bob?.memoryId as string, 'Noted', section(1).repeat(3));
    const pulled = await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId });
    expect(pulled).toMatchObject({ stored: 0, failed: [{ path, code: 'invalid_input' }] });
    expect((await brain.list(bankId)).items.map((m) => m.text)).toContain('Noted, Friday it is.');
  });

  it('pushes an edit the pull redacted as the redacted memory, keeping no copy of the PII in the store', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start();
    const dana = await brain.retain('Dana runs the audit.', { bankId, tags: ['people'] });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const file = await storeFile(client, memoryStoreId, dana.memoryId as string);
    await client.beta.memoryStores.memories.update(file.id, {
      memory_store_id: memoryStoreId,
      content: (file.content ?? '').replace('audit.', 'audit; reach her at dana@example.com.'),
    });
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({ redacted: 1 });
    expect(await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId })).toMatchObject({ keptEdits: [] });
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({ stored: 0 });
    const stored = [...(await files()).values()];
    expect(stored).toEqual([expect.stringContaining('Dana runs the audit; reach her at [EMAIL].')]);
  });

  it('turns each later edit of a pushed file into a correction of the last one, kept edits too', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start();
    const db = await brain.retain('The staging database lives on host db-1.', { bankId, tags: ['infra'] });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const file = await storeFile(client, memoryStoreId, db.memoryId as string);
    const edit = async (from: string, to: string) => {
      const current = await client.beta.memoryStores.memories.retrieve(file.id, { memory_store_id: memoryStoreId });
      await client.beta.memoryStores.memories.update(file.id, {
        memory_store_id: memoryStoreId,
        content: (current.content ?? '').replace(from, to),
      });
    };
    const pull = () => pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId });
    const live = async () => (await brain.list(bankId)).items.map((m) => [m.text, m.tags]);

    await edit('db-1', 'db-2');
    expect(await pull()).toMatchObject({ superseded: 1 });
    // The file still names the first memory: its second edit corrects the one the first edit became.
    await edit('db-2', 'db-3');
    expect(await pull()).toMatchObject({ stored: 1, superseded: 1 });
    expect(await live()).toEqual([['The staging database lives on host db-3.', ['infra']]]);

    // An edit the push keeps beside the moved file is named after the new memory, its header the old one's.
    await edit('db-3', 'db-4');
    const pushed = await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    expect(pushed.keptEdits).toHaveLength(1);
    expect(await pull()).toMatchObject({ stored: 1, superseded: 1 });
    expect(await live()).toEqual([['The staging database lives on host db-4.', ['infra']]]);
    expect(await pull()).toMatchObject({ stored: 0 });
    expect((await files()).size).toBe(2);
  });

  it("keeps the edited memory's metadata, event date and expiry in the correction", async () => {
    const { client, brain, bankId, memoryStoreId } = await start();
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const occurredAt = new Date('2024-01-15T10:00:00Z');
    const invoice = await brain.retain('Customer prefers invoices in EUR.', {
      bankId,
      tags: ['billing'],
      path: 'customers/acme',
      metadata: { crm_id: 'C-77', source: 'salesforce' },
      occurredAt,
      expiresAt,
    });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const file = await storeFile(client, memoryStoreId, invoice.memoryId as string);
    await client.beta.memoryStores.memories.update(file.id, {
      memory_store_id: memoryStoreId,
      content: (file.content ?? '').replace('EUR', 'CHF'),
    });
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId })).toMatchObject({ superseded: 1 });
    const [corrected] = (await brain.list(bankId)).items;
    expect(corrected).toMatchObject({
      text: 'Customer prefers invoices in CHF.',
      tags: ['billing'],
      path: 'customers/acme',
      metadata: { crm_id: 'C-77', source: 'salesforce', memory_store_memory_id: file.id },
      occurredAt,
      expiresAt,
    });
  });

  it('stores a file with a copied header under another name as a file of its own, replacing no memory', async () => {
    const { client, brain, bankId, memoryStoreId, files } = await start();
    const keys = await brain.retain('The deploy key rotates on Mondays.', { bankId, path: 'ops' });
    const oncall = await brain.retain('Alice is the on-call lead.', { bankId, path: 'team' });
    await pushBankToMemoryStore(client, brain, { bankId, memoryStoreId });
    const pushed = (await files()).get(`/${bankId}/team/${oncall.memoryId}.md`) as string;
    const header = (pushed.split('\n---\n')[0] as string).replace(oncall.memoryId as string, keys.memoryId as string);
    expect(header).toContain(keys.memoryId);
    await client.beta.memoryStores.memories.create(memoryStoreId, {
      path: '/scratch/note.md',
      content: `${header}\n---\n\nThe deploy key never rotates.`,
    });
    const pulled = await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId, pathPrefix: '/scratch/' });
    expect(pulled).toMatchObject({ read: 1, stored: 1, superseded: 0 });
    const texts = (await brain.list(bankId)).items.map((m) => `${m.path}: ${m.text}`).sort();
    expect(texts).toEqual([
      'ops: The deploy key rotates on Mondays.',
      'scratch/note.md: The deploy key never rotates.',
      'team: Alice is the on-call lead.',
    ]);
  });

  it("skips another bank's pushed files, so that its erasure there leaves no copy here", async () => {
    const { client, brain, memoryStoreId, files } = await start();
    const alice = await brain.retain('Alice takes 20mg of lisinopril daily.', { bankId: 'alice', tags: ['health'] });
    await brain.retain('Bob likes green tea.', { bankId: 'bob' });
    await pushBankToMemoryStore(client, brain, { bankId: 'alice', memoryStoreId });
    await pushBankToMemoryStore(client, brain, { bankId: 'bob', memoryStoreId });
    expect(await pullMemoryStoreToBank(client, brain, { memoryStoreId, bankId: 'bob' })).toMatchObject({
      read: 2,
      stored: 0,
      skipped: 2,
    });
    expect((await brain.list('bob')).items.map((m) => m.text)).toEqual(['Bob likes green tea.']);

    await brain.forget('alice', { memoryIds: [alice.memoryId as string] });
    await pushBankToMemoryStore(client, brain, { bankId: 'alice', memoryStoreId });
    await pushBankToMemoryStore(client, brain, { bankId: 'bob', memoryStoreId });
    expect([...(await files()).values()].join('\n')).not.toContain('lisinopril');
  });

  it('refuses bad options with a typed error before any request', async () => {
    const { client, brain, bankId, memoryStoreId, emulator } = await start();
    const before = emulator.requests.length;
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ bankId, memoryStoreId: 42 }, 'memoryStoreId'],
      [{ bankId: '', memoryStoreId }, 'bankId'],
      [{ bankId, memoryStoreId, pathPrefix: '/a/../b/' }, 'pathPrefix'],
      [{ bankId, memoryStoreId, sinceSession: '' }, 'sinceSession'],
      [{ bankId, memoryStoreId, unknown: true }, 'unknown'],
    ];
    for (const [options, field] of bad) {
      // biome-ignore lint/suspicious/noExplicitAny: invalid on purpose.
      await expect(pullMemoryStoreToBank(client, brain, options as any)).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field },
      });
    }
    expect(emulator.requests.length).toBe(before);
  });
});
