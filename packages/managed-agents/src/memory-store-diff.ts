import type Anthropic from '@anthropic-ai/sdk';
import type { Brain } from '@astrocyte/core';
import { MemoryFates } from './memory-fates.js';
import {
  contentBytes,
  contentSha256,
  MAX_CONTENT_BYTES,
  renderMemoryFile,
  scannedMemory,
} from './memory-file-content.js';
import { memoryFilePath, memoryIdOfFile } from './memory-file-layout.js';
import { listBankMemories, listStoreFiles, type StoreFile } from './memory-store-listing.js';
import { type PushBankOptions, type PushTarget, parsePushOptions } from './memory-store-options.js';

/** A live memory as a file: where it goes and what it holds. */
export interface MemoryFile {
  memoryId: string;
  path: string;
  content: string;
  sha: string;
}

/** A memory a push leaves out, and why. */
export interface SkippedMemory {
  memoryId: string;
  reason: 'path_too_long' | 'content_too_large' | 'path_conflict';
  /** For `path_conflict`: the store path that is in the way. */
  conflictingPath?: string;
}

/** One write of a push. An update whose `current.path` differs from `file.path` also moves the file. */
export type PushStep =
  | { action: 'create'; file: MemoryFile }
  | { action: 'update'; file: MemoryFile; current: StoreFile }
  | { action: 'delete'; current: StoreFile; memoryId: string; erased: boolean };

/** What a push will do, from the bank's live memories and the store's files below the prefix. */
export interface PushPlan {
  target: PushTarget;
  steps: PushStep[];
  unchanged: number;
  skipped: SkippedMemory[];
  fates: MemoryFates;
}

/** What a push would create, update and delete, without doing it. */
export interface MemoryStoreDiff {
  bankId: string;
  memoryStoreId: string;
  pathPrefix: string;
  create: { memoryId: string; path: string }[];
  /** `previousPath` is set when the file also moves (the memory was superseded, or the layout changed). */
  update: { memoryId: string; path: string; storeMemoryId: string; previousPath?: string }[];
  /** `erased`: the memory was forgotten or expired, so the push also redacts every version of the file. */
  delete: { memoryId: string; path: string; storeMemoryId: string; erased: boolean }[];
  unchanged: number;
  skipped: SkippedMemory[];
}

/**
 * The brain's output scan for `bankId` (governance `scan_output`, as recall applies it, the bank's PII policy
 * included) for a brain built by Astrocyte; a Brain of another make has none to offer, and its text goes out as it is.
 */
export function outputScanOf(brain: Brain, bankId: string): (text: string) => string {
  const governance = (brain as { governance?: { scanOutput?: unknown } }).governance;
  if (governance && typeof governance.scanOutput === 'function') {
    const scan = governance.scanOutput as (text: string, banks: string[]) => string;
    return (text) => scan.call(governance, text, [bankId]);
  }
  return (text) => text;
}

/** Compares a bank with a memory store: what `pushBankToMemoryStore` would create, update and delete. */
export async function diffBankWithMemoryStore(
  client: Anthropic,
  brain: Brain,
  options: PushBankOptions,
): Promise<MemoryStoreDiff> {
  const plan = await planPush(client, brain, parsePushOptions(options, 'diffBankWithMemoryStore'));
  const diff: MemoryStoreDiff = {
    bankId: plan.target.bankId,
    memoryStoreId: plan.target.memoryStoreId,
    pathPrefix: plan.target.prefix,
    create: [],
    update: [],
    delete: [],
    unchanged: plan.unchanged,
    skipped: plan.skipped,
  };
  for (const step of plan.steps) {
    if (step.action === 'create') diff.create.push({ memoryId: step.file.memoryId, path: step.file.path });
    else if (step.action === 'update')
      diff.update.push({
        memoryId: step.file.memoryId,
        path: step.file.path,
        storeMemoryId: step.current.id,
        ...(step.current.path !== step.file.path ? { previousPath: step.current.path } : {}),
      });
    else
      diff.delete.push({
        memoryId: step.memoryId,
        path: step.current.path,
        storeMemoryId: step.current.id,
        erased: step.erased,
      });
  }
  return diff;
}

/**
 * Plans a push. A file at a live memory's path is kept when its hash matches, else updated; any other file named
 * after a memory is moved to the live memory that replaced it (when that one has no file yet), deleted when its
 * memory was erased, and deleted as a leftover otherwise. Files named after nothing the bank held are left alone.
 */
export async function planPush(client: Anthropic, brain: Brain, target: PushTarget): Promise<PushPlan> {
  const scan = outputScanOf(brain, target.bankId);
  // The bank is read first, so that a caller the grants deny learns so before the store is asked anything.
  const memories = await listBankMemories(brain, target.bankId, target.context);
  const live = new Map(memories.map((memory) => [memory.id, memory]));
  const fates = new MemoryFates(brain, target.bankId, live, target.context);
  const byPath = new Map<string, MemoryFile>();
  const byId = new Map<string, MemoryFile>();
  const skipped: SkippedMemory[] = [];
  for (const memory of memories) {
    const shown = scannedMemory(memory, scan);
    const path = memoryFilePath(shown, target.prefix, target.layout);
    if (!path) {
      skipped.push({ memoryId: memory.id, reason: 'path_too_long' });
      continue;
    }
    const content = renderMemoryFile(shown);
    if (contentBytes(content) > MAX_CONTENT_BYTES) {
      skipped.push({ memoryId: memory.id, reason: 'content_too_large' });
      continue;
    }
    const file = { memoryId: memory.id, path, content, sha: contentSha256(content) };
    byPath.set(path, file);
    byId.set(memory.id, file);
  }

  const steps: PushStep[] = [];
  const placed = new Set<string>();
  const others: StoreFile[] = [];
  let unchanged = 0;
  for (const current of await listStoreFiles(client, target.memoryStoreId, target.prefix)) {
    const file = byPath.get(current.path);
    if (!file) {
      others.push(current);
      continue;
    }
    placed.add(file.memoryId);
    if (current.sha === file.sha) unchanged++;
    else steps.push({ action: 'update', file, current });
  }
  for (const current of others) {
    const named = memoryIdOfFile(current.path, target.prefix);
    if (!named) continue;
    const fate = await fates.of(named.memoryId);
    if (fate.kind === 'foreign') continue;
    const erased = fate.kind === 'erased';
    // An edit kept beside a memory's file stays until the memory's text must leave the store.
    if (named.keptEdit) {
      if (erased) steps.push({ action: 'delete', current, memoryId: named.memoryId, erased });
      continue;
    }
    const file = fate.kind === 'live' ? byId.get(fate.memoryId) : undefined;
    if (file && !placed.has(file.memoryId)) {
      placed.add(file.memoryId);
      steps.push({ action: 'update', file, current });
    } else steps.push({ action: 'delete', current, memoryId: named.memoryId, erased });
  }
  for (const file of byPath.values()) if (!placed.has(file.memoryId)) steps.push({ action: 'create', file });
  return { target, steps, unchanged, skipped, fates };
}
