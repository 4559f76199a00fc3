import type Anthropic from '@anthropic-ai/sdk';
import type { Brain } from '@astrocyte/core';
import type { MemoryFates } from './memory-fates.js';
import { memoryIdOfFile } from './memory-file-layout.js';
import { outputScanOf, type PushStep, planPush, type SkippedMemory } from './memory-store-diff.js';
import { listStoreVersions } from './memory-store-listing.js';
import { type PushBankOptions, parsePushOptions, type SyncProgress } from './memory-store-options.js';
import { MemoryStoreWriter, type WriteOutcome } from './memory-store-writer.js';

/** What a push did. A second push with nothing changed in the bank writes nothing: all counts 0 but `unchanged`. */
export interface PushResult {
  bankId: string;
  memoryStoreId: string;
  pathPrefix: string;
  created: number;
  updated: number;
  deleted: number;
  /** Versions redacted because their memory was forgotten or expired in the bank. */
  redacted: number;
  unchanged: number;
  /** Paths where content another writer had put in a memory's file was kept before the file was overwritten. */
  keptEdits: string[];
  skipped: SkippedMemory[];
}

/**
 * Pushes a bank into a Managed Agents memory store: each live memory becomes a file below the prefix (its text,
 * after the brain's output scan, under a header of date, tags and speaker). Files already matching are left alone;
 * changed or superseded memories' files are updated under a `content_sha256` precondition; forgotten memories'
 * files are deleted and every version naming them redacted, so the store keeps no erased text. See
 * docs/managed-agents.md, Memory stores.
 */
export async function pushBankToMemoryStore(
  client: Anthropic,
  brain: Brain,
  options: PushBankOptions,
): Promise<PushResult> {
  const plan = await planPush(client, brain, parsePushOptions(options, 'pushBankToMemoryStore'));
  const { target } = plan;
  const writer = new MemoryStoreWriter(
    client,
    target.memoryStoreId,
    target.bankId,
    plan.fates,
    outputScanOf(brain, target.bankId),
  );
  const result: PushResult = {
    bankId: target.bankId,
    memoryStoreId: target.memoryStoreId,
    pathPrefix: target.prefix,
    created: 0,
    updated: 0,
    deleted: 0,
    redacted: 0,
    unchanged: plan.unchanged,
    keptEdits: writer.keptEdits,
    skipped: [...plan.skipped],
  };
  const report = progress(target.onProgress);
  await inPool(plan.steps, target.concurrency, report('write', plan.steps.length), async (step) => {
    const outcome = await apply(writer, step);
    if (outcome.kind === 'skipped') result.skipped.push(outcome.skipped);
    else result[outcome.kind]++;
  });
  // After the deletes, so that no erased memory's version is a live file's current content.
  const erased = await erasedVersions(client, target.memoryStoreId, target.prefix, plan.fates);
  await inPool(erased, target.concurrency, report('redact', erased.length), async (versionId) => {
    await writer.redact(versionId);
    result.redacted++;
  });
  return result;
}

function apply(writer: MemoryStoreWriter, step: PushStep): Promise<WriteOutcome> {
  if (step.action === 'create') return writer.create(step.file);
  if (step.action === 'update') return writer.update(step.file, step.current);
  return writer.delete(step.current, step.memoryId, step.erased);
}

/**
 * The store's unredacted versions whose path names a memory the bank erased: the erased memory's own file's (its
 * contents, and its `deleted` version, whose path alone can tell what it was about), including files deleted by
 * someone else, and files that held its text before it was superseded.
 */
async function erasedVersions(
  client: Anthropic,
  memoryStoreId: string,
  prefix: string,
  fates: MemoryFates,
): Promise<string[]> {
  const ids: string[] = [];
  for (const version of await listStoreVersions(client, memoryStoreId)) {
    if (version.redacted_at || !version.path) continue;
    const named = memoryIdOfFile(version.path, prefix);
    if (named && !fates.live.has(named.memoryId) && (await fates.of(named.memoryId)).kind === 'erased')
      ids.push(version.id);
  }
  return ids;
}

function progress(onProgress: ((progress: SyncProgress) => void) | undefined) {
  return (phase: SyncProgress['phase'], total: number) => {
    let done = 0;
    if (total > 0) onProgress?.({ phase, done, total });
    return () => onProgress?.({ phase, done: ++done, total });
  };
}

/**
 * Runs `work` on every item with at most `concurrency` in flight. A failure stops new work; once the work in flight
 * has settled, the first failure is thrown.
 */
async function inPool<T>(items: T[], concurrency: number, onDone: () => void, work: (item: T) => Promise<void>) {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
        onDone();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.error;
}
