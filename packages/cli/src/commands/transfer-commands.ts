import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  renameSync,
  rmSync,
  type Stats,
  statSync,
} from 'node:fs';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { bodyBytesFor } from '@astrocyte/core';
import { type Command, Option } from 'commander';
import { atMost } from '../bounded-read.js';
import { IncompleteError, UsageError } from '../cli-errors.js';
import type { CliIo, CliSession } from '../cli-session.js';
import { withSession } from '../command-action.js';
import { readConversationLines } from '../conversation-lines.js';
import { exportMemories } from '../export-memories.js';
import { importConversations, type ReadConversations } from '../import-conversations.js';
import {
  formatOfFirstLine,
  IMPORT_FORMATS,
  type ImportFormat,
  mayOpenJsonDocument,
  peekFirstLine,
} from '../import-format.js';
import { type ImportOptions, importMemories } from '../import-memories.js';
import { describeProblem, type ImportSummary } from '../import-summary.js';
import { readLocomo } from '../locomo-conversations.js';
import { parseList, parsePositiveInteger } from '../option-parsers.js';
import { checkOutputFile } from '../output-file.js';
import { ProgressBar } from '../progress-bar.js';
import { utf8Input } from '../utf8-input.js';

/** Registers export and import. */
export function registerTransferCommands(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('write every memory of the bank as JSON Lines, with tags, metadata, path and dates')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('-t, --tags <list>', 'only memories with one of these tags', parseList)
    .option('--path-prefix <path>', 'only memories under this path')
    .option('--progress', 'show a progress bar on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show a progress bar')
    .action(
      withSession(
        io,
        async (session, options: { out?: string; tags?: string[]; pathPrefix?: string; progress?: boolean }) => {
          // Told before the bank is read: a failed write would otherwise show only at the end.
          const file =
            options.out === undefined ? undefined : checkOutputFile(options.out, '--out: ', '--out memories.jsonl');
          const brain = await session.brain({ existing: true });
          const bankId = await session.bank();
          const filtered = Boolean(options.tags?.length || options.pathPrefix);
          const context = session.context();
          const total = filtered
            ? undefined
            : (await brain.banks({ context })).find((b) => b.bankId === bankId)?.memoryCount;
          const bar = new ProgressBar(io.stderr, 'exporting', showProgress(session, options.progress));
          // A failed export must not leave a file that looks complete: write beside it, rename at the end.
          const partial = file ? `${file}.partial` : undefined;
          const out = partial ? createWriteStream(partial) : io.stdout;
          let exported: number;
          try {
            ({ exported } = await exportMemories(brain, bankId, out, {
              ...(options.tags ? { tags: options.tags } : {}),
              ...(options.pathPrefix ? { pathPrefix: options.pathPrefix } : {}),
              context,
              onProgress: (done) => bar.update(done, total ? done / total : undefined),
            }));
            if (partial) {
              out.end();
              await finished(out);
              renameSync(partial, file as string);
            }
          } catch (error) {
            if (partial) rmSync(partial, { force: true });
            // A reader that stopped reading (`export | head`) is how a pipe ends, not a failure.
            else if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
            throw error;
          }
          bar.finish(exported);
          const summary = { bank_id: bankId, exported, ...(options.out ? { file: options.out } : {}) };
          if (options.out)
            session.print(summary, () => `exported ${count(exported)} from bank ${bankId} to ${options.out}`);
          else session.note(`exported ${count(exported)} from bank ${bankId}`);
        },
      ),
    );

  program
    .command('import')
    .description(
      'retain memories (an export) or conversations (LoCoMo JSON, JSON Lines of turns); idempotent, duplicates are skipped',
    )
    .argument('[file]', 'the file to read; "-" or none reads stdin')
    .addOption(
      new Option('--format <format>', 'what the file holds (default: told from its first line)').choices(
        IMPORT_FORMATS,
      ),
    )
    .option(
      '--batch-size <n>',
      'plain memories per transaction (default 500); the turns of a session go in one',
      parsePositiveInteger,
    )
    .option('--progress', 'show a progress bar on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show a progress bar')
    .action(
      withSession(
        io,
        async (
          session,
          file: string | undefined,
          options: { format?: ImportFormat; batchSize?: number; progress?: boolean },
        ) => {
          const fromStdin = file === undefined || file === '-';
          if (fromStdin && io.stdin.isTTY)
            throw new UsageError(
              'no file to import',
              'pass a file, e.g. astrocyte import memories.jsonl, or pipe one on stdin',
            );
          // Checked before the store is opened: a file that cannot be read must not leave a new, empty store behind.
          const size = fromStdin ? undefined : readableFileSize(file as string);
          const brain = await session.brain();
          const bankId = await session.bank();
          const name = fromStdin ? 'stdin' : (file as string);
          const source = fromStdin ? io.stdin : createReadStream(file as string);
          // A line holds one memory or turn: no longer than the HTTP API's body for the longest text retain takes.
          const maxLineBytes = bodyBytesFor((await session.config()).config.limits.max_content_length);
          const peeked = options.format ? undefined : await peekFirstLine(source, maxLineBytes);
          const format = options.format ?? formatOfFirstLine(peeked?.line ?? '');
          const read = peeked?.input ?? source;
          // A conversation file is read whole before anything is stored (memories are stored as they are read).
          const bounded =
            format === 'memories'
              ? read
              : atMost(read, MAX_CONVERSATION_BYTES, () => conversationTooLarge(name, format));
          const input = utf8Input(bounded, name, format === 'locomo' ? undefined : maxLineBytes);
          const bar = new ProgressBar(io.stderr, 'importing', showProgress(session, options.progress));
          const bytesRead = () => (source as { bytesRead?: number }).bytesRead ?? 0;
          // What was stored before a failure stops the import (a quota, the store): said, so the user knows.
          let done: ImportSummary | undefined;
          const importOptions: ImportOptions = {
            ...(options.batchSize ? { batchSize: options.batchSize } : {}),
            context: session.context('astrocyte-cli import'),
            onProgress: (s) => {
              done = s;
              bar.update(s.records, s.total ? s.records / s.total : size ? bytesRead() / size : undefined);
            },
          };
          let summary: ImportSummary;
          try {
            summary =
              format === 'memories'
                ? await importMemories(brain, bankId, input, importOptions)
                : await importConversations(brain, bankId, await readConversations(format, input), importOptions);
          } catch (error) {
            if (done && done.stored + done.deduplicated > 0)
              session.note(
                `astrocyte: stopped after ${done.stored} stored and ${done.deduplicated} deduplicated into bank ${bankId}; importing the file again stores only what is missing`,
              );
            throw error;
          }
          bar.finish(summary.records);
          const document = format === 'memories' && peeked !== undefined && mayOpenJsonDocument(peeked.line);
          reportImport(session, summary, bankId, name, format, document);
        },
      ),
    );
}

/**
 * The largest conversation file import reads: it is read whole before anything is stored. A LoCoMo file is parsed
 * first as one string (V8 refuses one over 2^29 - 24 characters: a 600 MB file failed with a raw RangeError) and then
 * as objects several times its size; JSON Lines of short turns take about 2.3 bytes of heap a byte (600 MB for 256
 * MiB; a 2.75 GB file ended in V8's out-of-memory abort). The LoCoMo benchmark's file is 3 MB; the longest turn a
 * config allows (16,000,000 characters) takes 48 MB.
 */
const MAX_CONVERSATION_BYTES = 256 * 1024 * 1024;

function conversationTooLarge(name: string, format: ImportFormat): UsageError {
  const locomo = format === 'locomo';
  return new UsageError(
    `${name} is over ${MAX_CONVERSATION_BYTES / 1024 / 1024} MiB, the most a ${locomo ? 'LoCoMo file' : 'file of conversation turns'} may hold: it is read whole before anything is stored`,
    `split its ${locomo ? 'samples' : 'sessions'} over several files and import each; a session imported again is deduplicated`,
  );
}

async function readConversations(format: ImportFormat, input: Readable): Promise<ReadConversations> {
  if (format === 'conversation-jsonl') return readConversationLines(input);
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return readLocomo(Buffer.concat(chunks).toString('utf8'));
}

const FORMAT_NAMES: Record<ImportFormat, string> = {
  memories: 'memories',
  'conversation-jsonl': 'conversation turns',
  locomo: 'LoCoMo conversations',
};

function reportImport(
  session: CliSession,
  summary: ImportSummary,
  bankId: string,
  source: string,
  format: ImportFormat,
  // The format was told from a first line that may open a JSON document over several lines.
  mayBeDocument = false,
): void {
  session.print(
    {
      bank_id: bankId,
      format,
      stored: summary.stored,
      deduplicated: summary.deduplicated,
      rejected: summary.rejected,
      redacted: summary.redacted,
      malformed: summary.malformed,
      invalid: summary.invalid,
      expired: summary.expired,
      problems: summary.problems,
    },
    () =>
      `imported ${source}${format === 'memories' ? '' : ` as ${FORMAT_NAMES[format]}`} into bank ${bankId}: ` +
      `${summary.stored} stored, ${summary.deduplicated} deduplicated, ${summary.rejected} rejected` +
      (summary.redacted ? ` (${summary.redacted} redacted)` : '') +
      (summary.expired ? `, ${summary.expired} expired (not imported)` : ''),
  );
  if (!session.json) for (const p of summary.problems.slice(0, 10)) session.note(`  ${describeProblem(p)}`);
  // Governance refusing a memory is policy, not a failure; input that cannot be stored as given is.
  const n = summary.malformed + summary.invalid;
  if (n === 0) return;
  if (format === 'memories')
    throw new IncompleteError(
      `${n} ${n === 1 ? 'line was' : 'lines were'} not a memory`,
      mayBeDocument
        ? 'the file was read as memories, one JSON object a line; if it is one JSON document (a LoCoMo sample), import it with --format locomo'
        : 'correct the lines listed and import again; memories already stored are skipped as duplicates',
    );
  if (summary.malformed > 0)
    throw new IncompleteError(
      `${n} ${n === 1 ? 'turn or field is' : 'turns or fields are'} malformed, so nothing was imported: a session is stored whole, in order`,
      'correct what is listed and import again',
    );
  throw new IncompleteError(
    `${n} ${n === 1 ? 'turn was' : 'turns were'} refused as invalid input; the other turns are stored`,
    'correct the turns listed and import them again: a session continues where it stopped, so they land at its end',
  );
}

function showProgress(session: CliSession, asked: boolean | undefined): boolean {
  return asked ?? Boolean((session.io.stderr as { isTTY?: boolean }).isTTY);
}

function readableFileSize(file: string): number {
  let stats: Stats;
  try {
    stats = statSync(file);
    accessSync(file, constants.R_OK);
  } catch {
    throw new UsageError(`cannot read ${file}`, 'check the path of the file to import');
  }
  if (stats.isDirectory()) throw new UsageError(`${file} is a folder`, 'pass the file to import, not its folder');
  return stats.size;
}

function count(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'memory' : 'memories'}`;
}
