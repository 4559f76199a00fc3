import type Anthropic from '@anthropic-ai/sdk';
import { type AstrocyteContext, AstrocyteError, type Brain, type Memory, type RetainOptions } from '@astrocyte/core';
import { documentText, type MemoryFate, MemoryFates } from './memory-fates.js';
import { contentSha256, parseMemoryFile, sameText, tookInFile } from './memory-file-content.js';
import { bankPathOfFile, memoryIdOfFile } from './memory-file-layout.js';
import { outputScanOf } from './memory-store-diff.js';
import { listBankMemories, listStoreContents, listStoreVersions } from './memory-store-listing.js';
import { type PullStoreOptions, parsePullOptions } from './memory-store-options.js';

/** What a pull did. A pull repeated with nothing new in the store stores nothing. */
export interface PullResult {
  bankId: string;
  memoryStoreId: string;
  pathPrefix: string;
  sinceSession?: string;
  /** Store memories read (for `sinceSession`, those the session wrote and did not delete). */
  read: number;
  stored: number;
  /** Of the stored, those that replaced a memory: an earlier pull of the same file, or the pushed memory edited. */
  superseded: number;
  deduplicated: number;
  /** Files unchanged since the pull that stored them (their content hash is in that memory's metadata). */
  unchanged: number;
  /** Refused by governance (a rule, or PII set to reject). */
  rejected: number;
  /** Stored with PII redacted by the barrier. */
  redacted: number;
  /** Files a push wrote and nobody changed, files of memories no longer live, another bank's files, empty files. */
  skipped: number;
  memoryIds: string[];
  /** Files retain refused with an error (too long, legal hold), with the error's code and message. */
  failed: { path: string; code: string; message: string }[];
}

/** A store memory a pull considers: its id, path and content. */
interface PulledFile {
  storeMemoryId: string;
  path: string;
  content: string;
}

/** A text a pull retains, how, and the file it came from. */
interface PulledRetain {
  text: string;
  retain: RetainOptions;
  file: PulledFile;
}

/**
 * Pulls a Managed Agents memory store into a bank: each memory's text (a pushed file's without its header) is
 * retained through the whole pipeline (rules, PII barrier, dedup) with its path, and with metadata naming the store
 * memory it came from and its content hash. A file pulled before is skipped while unchanged and, once changed,
 * replaces the memory the earlier pull stored; a pushed file an agent edited (its header, and its name, the memory's)
 * replaces the memory it was pushed from, or the one that memory has become, keeping all but its text; pushed files
 * nobody changed, files of memories the bank no longer holds, and files another bank pushed are skipped. With
 * `sinceSession`, only what that session wrote or changed is read. See docs/managed-agents.md, Memory stores.
 */
export async function pullMemoryStoreToBank(
  client: Anthropic,
  brain: Brain,
  options: PullStoreOptions,
): Promise<PullResult> {
  const resolved = parsePullOptions(options);
  const { memoryStoreId, bankId, pathPrefix, context } = resolved;
  // A pull reads the bank to know what it pulled before: asking once here denies a caller the grants refuse before
  // the store is read.
  await brain.list(bankId, { limit: 1, ...(context ? { context } : {}) });
  const files = await pulledFiles(client, memoryStoreId, pathPrefix, resolved.sinceSession);
  const result: PullResult = {
    bankId,
    memoryStoreId,
    pathPrefix,
    ...(resolved.sinceSession ? { sinceSession: resolved.sinceSession } : {}),
    read: files.length,
    stored: 0,
    superseded: 0,
    deduplicated: 0,
    unchanged: 0,
    rejected: 0,
    redacted: 0,
    skipped: 0,
    memoryIds: [],
    failed: [],
  };
  const scan = outputScanOf(brain, bankId);
  let bank: Promise<MemoryFates> | undefined;
  const memoryFates = () => {
    bank ??= listBankMemories(brain, bankId, context).then(
      (memories) => new MemoryFates(brain, bankId, new Map(memories.map((m) => [m.id, m])), context),
    );
    return bank;
  };
  const liveMemories = async () => (await memoryFates()).live;
  const keep = async ({ text, retain, file }: PulledRetain) => {
    try {
      const outcome = await brain.retain(text, { ...retain, ...(context ? { context } : {}) });
      if (outcome.stored) {
        result.stored++;
        if (retain.supersedes) result.superseded++;
        if (outcome.redacted?.length) result.redacted++;
        if (outcome.memoryId) result.memoryIds.push(outcome.memoryId);
      } else if (outcome.deduplicated) result.deduplicated++;
      else result.rejected++;
    } catch (error) {
      if (!AstrocyteError.isInstance(error) || !['invalid_input', 'policy_violation', 'not_found'].includes(error.code))
        throw error;
      result.failed.push({ path: file.path, code: error.code, message: error.message });
    }
  };
  // Edits of a long text's chunk files, by document: its chunks are replaced together, once every file is read.
  const documents = new Map<
    string,
    { edits: Map<string, string>; shas: string[]; retain: RetainOptions; file: PulledFile }
  >();
  for (const [index, file] of files.entries()) {
    resolved.onProgress?.({ phase: 'pull', done: index, total: files.length });
    const { header, body } = parseMemoryFile(file.content);
    const metadata = {
      memory_store_id: memoryStoreId,
      memory_store_memory_id: file.storeMemoryId,
      memory_store_content_sha256: contentSha256(file.content),
    };
    // Another bank's pushed memory (a store shared under several prefixes, pulled from /) is that bank's to keep or
    // forget: copied here, it would outlive its erasure there.
    if (header && header.bankId !== bankId) {
      result.skipped++;
      continue;
    }
    let retain: RetainOptions;
    const fate = header ? await pushedFate(await memoryFates(), header.memoryId, file.path) : null;
    if (header && fate) {
      // The file of a memory replaced since it was pushed (by the pull of an edit of it, say) is an edit only where
      // it differs from what was pushed; then it corrects the memory's live successor.
      const fates = await memoryFates();
      const pushed = fate.kind === 'live' ? fates.live.get(fate.memoryId) : undefined;
      const texts = [...((await fates.texts(header.memoryId)) ?? []), ...(pushed ? [pushed.text] : [])];
      if (!pushed || texts.some((text) => sameText(body, text) || sameText(body, scan(text)))) {
        result.skipped++;
        continue;
      }
      // Taken in already, PII redacted: the memory records the content's hash.
      if (tookInFile(pushed, metadata.memory_store_content_sha256)) {
        result.unchanged++;
        continue;
      }
      // A correction of the text: the rest of the memory (the application's metadata, dates, expiry) stays.
      retain = {
        bankId,
        tags: [...new Set([...pushed.tags, ...(resolved.tags ?? [])])],
        supersedes: pushed.id,
        metadata: { ...pushed.metadata, ...metadata },
        ...(pushed.path ? { path: pushed.path } : {}),
        ...(pushed.occurredAt ? { occurredAt: pushed.occurredAt } : {}),
        ...(pushed.expiresAt ? { expiresAt: pushed.expiresAt } : {}),
      };
      if (pushed.documentId) {
        // A chunk's file is one part of a long text, and replacing a chunk replaces its whole document: the edit
        // goes in its chunk's place, beside the other chunks' texts, or their edits read in this pull. A chunk
        // replaced since the push has no place in the text that replaced it (its chunks split the text anew).
        if (pushed.id !== header.memoryId) {
          result.failed.push({ path: file.path, code: 'not_found', message: replacedChunk(header.memoryId) });
          continue;
        }
        const document = documents.get(pushed.documentId) ?? { edits: new Map<string, string>(), shas: [] as string[] };
        document.edits.set(pushed.id, body);
        document.shas.push(metadata.memory_store_content_sha256);
        documents.set(pushed.documentId, { ...document, retain, file });
        continue;
      }
    } else {
      if (body.trim() === '') {
        result.skipped++;
        continue;
      }
      const path = bankPathOfFile(file.path);
      const previous = await earlierPull(brain, bankId, path, metadata, context, liveMemories);
      if (previous?.metadata.memory_store_content_sha256 === metadata.memory_store_content_sha256) {
        result.unchanged++;
        continue;
      }
      retain = { bankId, path, metadata, ...(resolved.tags ? { tags: resolved.tags } : {}) };
      if (previous) retain.supersedes = previous.id;
    }
    await keep({ text: body, retain, file });
  }
  // The new text records every edited file's hash: each was taken in, and a later pull finds it so.
  for (const [documentId, { edits, shas, retain, file }] of documents) {
    const metadata = { ...retain.metadata, memory_store_content_sha256: shas };
    const text = documentText(await liveMemories(), documentId, edits);
    await keep({ text, retain: { ...retain, metadata }, file });
  }
  if (files.length > 0) resolved.onProgress?.({ phase: 'pull', done: files.length, total: files.length });
  return result;
}

function replacedChunk(memoryId: string): string {
  return `the chunk ${memoryId} this file was pushed from was replaced since: push, then edit its new file`;
}

/**
 * What became of the memory a pushed file's header names, or null when the file is no push's: a push names a file
 * after its memory (or, for an edit it kept, after the memory the file had moved to), so a header copied onto a file
 * of another name (its id swapped, say) replaces nothing, and its text is stored as any file's.
 */
async function pushedFate(fates: MemoryFates, memoryId: string, path: string): Promise<MemoryFate | null> {
  const named = memoryIdOfFile(path, '/');
  if (!named) return null;
  const fate = await fates.of(memoryId);
  if (named.memoryId === memoryId) return fate;
  const fileFate = await fates.of(named.memoryId);
  const sameChain = fate.kind === 'live' && fileFate.kind === 'live' && fate.memoryId === fileFate.memoryId;
  return sameChain ? fate : null;
}

/** The store memories a pull reads: all below the prefix, or the last writes of one session there. */
async function pulledFiles(
  client: Anthropic,
  memoryStoreId: string,
  prefix: string,
  sinceSession: string | undefined,
): Promise<PulledFile[]> {
  if (!sinceSession) {
    const files = await listStoreContents(client, memoryStoreId, prefix);
    return files.map((file) => ({ storeMemoryId: file.id, path: file.path, content: file.content }));
  }
  // Versions come newest first; a memory's latest version of the session is what the session left it as.
  const versions = await listStoreVersions(client, memoryStoreId, { session_id: sinceSession, view: 'full' });
  const latest = new Map<string, (typeof versions)[number]>();
  for (const version of versions) {
    const seen = latest.get(version.memory_id);
    if (!seen || version.created_at > seen.created_at) latest.set(version.memory_id, version);
  }
  const files: PulledFile[] = [];
  for (const version of latest.values()) {
    if (version.operation === 'deleted' || version.redacted_at || !version.path || !version.path.startsWith(prefix))
      continue;
    files.push({ storeMemoryId: version.memory_id, path: version.path, content: version.content ?? '' });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The live memory an earlier pull stored from the same store memory, if any: looked for under its path, then, when
 * the PII barrier changed the path it was stored under (`/contacts/[EMAIL]/notes.md`), among every live memory.
 */
async function earlierPull(
  brain: Brain,
  bankId: string,
  path: string,
  origin: { memory_store_id: string; memory_store_memory_id: string },
  context: AstrocyteContext | undefined,
  liveMemories: () => Promise<Map<string, Memory>>,
): Promise<Memory | undefined> {
  const pulledFrom = (memory: Memory) =>
    memory.metadata.memory_store_id === origin.memory_store_id &&
    memory.metadata.memory_store_memory_id === origin.memory_store_memory_id;
  let found: Memory | undefined;
  let cursor: string | null = null;
  do {
    const page = await brain.list(bankId, {
      pathPrefix: path,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
      ...(context ? { context } : {}),
    });
    for (const memory of page.items) if (memory.path === path && pulledFrom(memory)) found = memory;
    cursor = page.nextCursor;
  } while (cursor);
  if (found) return found;
  for (const memory of (await liveMemories()).values()) if (pulledFrom(memory)) found = memory;
  return found;
}
