import { AstrocyteError } from '@astrocyte/core';
import type { MemoryStoreDiff, PullResult, PushResult, SyncProgress } from '@astrocyte/managed-agents';
import { type Command, Option } from 'commander';
import { anthropicClient } from '../anthropic-client.js';
import { IncompleteError, UsageError } from '../cli-errors.js';
import type { CliIo, CliSession } from '../cli-session.js';
import { withSession } from '../command-action.js';
import { parseList } from '../option-parsers.js';
import { ProgressBar } from '../progress-bar.js';

interface StoreOptions {
  store: string;
  pathPrefix?: string;
  baseUrl?: string;
  progress?: boolean;
}

/** Registers `stores push|pull|diff`: a bank and a Managed Agents memory store, kept in step. */
export function registerStoresCommand(program: Command, io: CliIo): void {
  const stores = program
    .command('stores')
    .description('push a bank into a Managed Agents memory store, pull a store into a bank, or compare them');
  const shared = (command: Command, prefixHelp: string) =>
    command
      .requiredOption('-s, --store <id>', 'the memory store (memstore_…)')
      .option('--path-prefix <path>', prefixHelp)
      .option('--base-url <url>', 'the API base URL (default: $ANTHROPIC_BASE_URL, else the Anthropic API)');
  const layout = new Option('--layout <layout>', 'nested: under the path or first tag; flat: side by side')
    .choices(['nested', 'flat'])
    .default('nested');
  const pushPrefix = 'the store folder of the bank (default: /<bank>/); keep it from push to push';

  shared(stores.command('push'), pushPrefix)
    .description('write each live memory of the bank as a file of the store; delete and redact what the bank forgot')
    .addOption(layout)
    .option('--progress', 'show a progress bar on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show a progress bar')
    .action(
      withSession(io, async (session, options: StoreOptions & { layout: 'nested' | 'flat' }) => {
        const { brain, bankId, client, sync } = await open(session, options, 'push');
        const bar = progressBar(session, options, 'pushing');
        const result = await explained(options.store, () =>
          sync.pushBankToMemoryStore(client, brain, {
            bankId,
            memoryStoreId: options.store,
            layout: options.layout,
            ...(options.pathPrefix ? { pathPrefix: options.pathPrefix } : {}),
            context: session.context(),
            onProgress: bar,
          }),
        );
        printPush(session, result);
      }),
    );

  shared(stores.command('pull'), 'only the store files below this folder (default: /, the whole store)')
    .description('retain the memories of the store in the bank, through the PII barrier, rules and dedup')
    .option('--since-session <id>', 'only what this session (sesn_…) wrote or changed')
    .option('-t, --tags <list>', 'tags for every pulled memory', parseList)
    .option('--progress', 'show a progress bar on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show a progress bar')
    .action(
      withSession(io, async (session, options: StoreOptions & { sinceSession?: string; tags?: string[] }) => {
        const { brain, bankId, client, sync } = await open(session, options, 'pull');
        const bar = progressBar(session, options, 'pulling');
        const result = await explained(options.store, () =>
          sync.pullMemoryStoreToBank(client, brain, {
            bankId,
            memoryStoreId: options.store,
            ...(options.pathPrefix ? { pathPrefix: options.pathPrefix } : {}),
            ...(options.sinceSession ? { sinceSession: options.sinceSession } : {}),
            ...(options.tags ? { tags: options.tags } : {}),
            context: session.context(),
            onProgress: bar,
          }),
        );
        printPull(session, result);
      }),
    );

  shared(stores.command('diff'), pushPrefix)
    .description('show what a push would create, update and delete, without writing anything')
    .addOption(layout)
    .action(
      withSession(io, async (session, options: StoreOptions & { layout: 'nested' | 'flat' }) => {
        const { brain, bankId, client, sync } = await open(session, options, 'diff');
        const diff = await explained(options.store, () =>
          sync.diffBankWithMemoryStore(client, brain, {
            bankId,
            memoryStoreId: options.store,
            layout: options.layout,
            ...(options.pathPrefix ? { pathPrefix: options.pathPrefix } : {}),
            context: session.context(),
          }),
        );
        printDiff(session, diff);
      }),
    );
}

// The brain, the bank, the client, and the sync code, loaded here so that every other command starts without it.
async function open(session: CliSession, options: StoreOptions, command: string) {
  const client = await anthropicClient(options.baseUrl, `astrocyte stores ${command}`);
  const bankId = await session.bank();
  const brain = await session.brain();
  return { brain, bankId, client, sync: await import('@astrocyte/managed-agents') };
}

function progressBar(session: CliSession, options: StoreOptions, label: string) {
  const shown = options.progress ?? Boolean((session.io.stderr as { isTTY?: boolean }).isTTY);
  const bars = new Map<string, ProgressBar>();
  return ({ phase, done, total }: SyncProgress) => {
    let bar = bars.get(phase);
    if (!bar) {
      bar = new ProgressBar(session.io.stderr, phase === 'redact' ? 'redacting' : label, shown);
      bars.set(phase, bar);
    }
    if (done === total) bar.finish(done);
    else bar.update(done, total > 0 ? done / total : undefined);
  };
}

// The API's refusals, said in terms of the command's own flags and the user's settings.
async function explained<T>(memoryStoreId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!AstrocyteError.isInstance(error)) throw error;
    const status = error.details.status;
    if (error.code === 'invalid_input') {
      const field = String(error.details.field);
      const flag = { memoryStoreId: '--store', pathPrefix: '--path-prefix', sinceSession: '--since-session' }[field];
      throw new UsageError(error.message, `correct ${flag ?? field}; see astrocyte stores --help`);
    }
    if (status === 401 || status === 403)
      throw new UsageError(
        `the API refused the credentials (HTTP ${status})`,
        'check ANTHROPIC_API_KEY and its access to memory stores',
      );
    if (status === 404)
      throw new UsageError(
        `no memory store ${memoryStoreId} (HTTP 404)`,
        'check the --store id, e.g. with client.beta.memoryStores.list()',
      );
    const fix =
      error.code === 'memory_store_conflict'
        ? 'run the command again once the other writer is done; what was written is kept'
        : error.code === 'memory_store_request_failed'
          ? 'check --base-url and the network, then run the command again; it picks up where it stopped'
          : undefined;
    if (!fix) throw error;
    throw new AstrocyteError(error.code, error.message, { cause: error, details: { ...error.details, fix } });
  }
}

function printPush(session: CliSession, r: PushResult): void {
  session.print(
    {
      bank_id: r.bankId,
      memory_store_id: r.memoryStoreId,
      path_prefix: r.pathPrefix,
      created: r.created,
      updated: r.updated,
      deleted: r.deleted,
      redacted_versions: r.redacted,
      unchanged: r.unchanged,
      kept_edits: r.keptEdits,
      skipped: r.skipped.map(skippedJson),
    },
    () =>
      `pushed bank ${r.bankId} to ${r.memoryStoreId} under ${r.pathPrefix}: ${r.created} created, ${r.updated} updated, ` +
      `${r.deleted} deleted (${r.redacted} versions redacted), ${r.unchanged} unchanged`,
  );
  if (session.json) return;
  for (const path of r.keptEdits) session.note(`  kept another writer's edit at ${path}`);
  for (const s of r.skipped)
    session.note(`  skipped ${s.memoryId}: ${s.reason}${s.conflictingPath ? ` (${s.conflictingPath})` : ''}`);
}

function printPull(session: CliSession, r: PullResult): void {
  session.print(
    {
      bank_id: r.bankId,
      memory_store_id: r.memoryStoreId,
      path_prefix: r.pathPrefix,
      ...(r.sinceSession ? { since_session: r.sinceSession } : {}),
      read: r.read,
      stored: r.stored,
      superseded: r.superseded,
      redacted: r.redacted,
      unchanged: r.unchanged,
      deduplicated: r.deduplicated,
      rejected: r.rejected,
      skipped: r.skipped,
      memory_ids: r.memoryIds,
      failed: r.failed,
    },
    () =>
      `pulled ${r.read} ${r.read === 1 ? 'file' : 'files'} of ${r.memoryStoreId} into bank ${r.bankId}: ` +
      `${r.stored} stored (${r.superseded} replacing earlier memories, ${r.redacted} with PII redacted), ` +
      `${r.unchanged} unchanged, ${r.deduplicated} deduplicated, ${r.rejected} rejected, ${r.skipped} skipped`,
  );
  if (r.failed.length === 0) return;
  if (!session.json) for (const f of r.failed) session.note(`  ${f.path}: ${f.message}`);
  throw new IncompleteError(
    `${r.failed.length} ${r.failed.length === 1 ? 'file was' : 'files were'} not retained`,
    'correct what is listed (or the rules that refuse it) and pull again; what was stored is skipped next time',
  );
}

function printDiff(session: CliSession, d: MemoryStoreDiff): void {
  session.print(
    {
      bank_id: d.bankId,
      memory_store_id: d.memoryStoreId,
      path_prefix: d.pathPrefix,
      create: d.create.map((c) => ({ memory_id: c.memoryId, path: c.path })),
      update: d.update.map((u) => ({
        memory_id: u.memoryId,
        path: u.path,
        store_memory_id: u.storeMemoryId,
        ...(u.previousPath ? { previous_path: u.previousPath } : {}),
      })),
      delete: d.delete.map((x) => ({
        memory_id: x.memoryId,
        path: x.path,
        store_memory_id: x.storeMemoryId,
        erased: x.erased,
      })),
      unchanged: d.unchanged,
      skipped: d.skipped.map(skippedJson),
    },
    () =>
      [
        ...d.create.map((c) => `+ ${c.path}`),
        ...d.update.map((u) => `~ ${u.previousPath ? `${u.previousPath} -> ` : ''}${u.path}`),
        ...d.delete.map((x) => `- ${x.path}${x.erased ? ' (forgotten: its versions will be redacted)' : ''}`),
        `${d.create.length} to create, ${d.update.length} to update, ${d.delete.length} to delete, ${d.unchanged} unchanged`,
      ].join('\n'),
  );
}

function skippedJson(s: PushResult['skipped'][number]) {
  return {
    memory_id: s.memoryId,
    reason: s.reason,
    ...(s.conflictingPath ? { conflicting_path: s.conflictingPath } : {}),
  };
}
