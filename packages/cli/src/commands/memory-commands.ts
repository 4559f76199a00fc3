import { hitToJson, NotFoundError, retainResultToJson } from '@astrocyte/core';
import type { Command } from 'commander';
import { IncompleteError, UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-session.js';
import { given, withSession, withTextSession } from '../command-action.js';
import { once, parseJsonObject, parseList, parsePositiveInteger, parseScore } from '../option-parsers.js';
import { memoryLine, terminalText } from '../terminal-text.js';

/** Registers retain, recall, reflect and forget. */
export function registerMemoryCommands(program: Command, io: CliIo): void {
  program
    .command('retain')
    .description('store a memory (the text as arguments, or "-" / a pipe for stdin)')
    .argument('[content...]', 'the fact to remember')
    .option('-t, --tags <list>', 'comma-separated tags', parseList)
    .option('-m, --metadata <json>', 'a JSON object, or @file.json', parseJsonObject)
    .option('-p, --path <path>', 'a slash-separated location, e.g. projects/apollo')
    .option('--occurred-at <date>', 'when the remembered event happened (ISO 8601)')
    .option('--expires-at <date>', 'after this instant the memory is never recalled (ISO 8601)')
    .option('--supersedes <id>', 'the id of a memory this one replaces')
    .option('--override-legal-hold', 'with --supersedes: replace a memory under legal hold (needs --reason)')
    .option('--reason <text>', 'with --supersedes: why, recorded in the history of both memories')
    .action(
      withTextSession(io, 'content', 'retain', async (session, content, options) => {
        const bankId = await session.bank();
        const result = await (await session.brain()).retain(content, {
          bankId,
          context: session.context('astrocyte-cli'),
          ...given(options, [
            'tags',
            'metadata',
            'path',
            'occurredAt',
            'expiresAt',
            'supersedes',
            'overrideLegalHold',
            'reason',
          ]),
        });
        session.print(retainResultToJson(result), () => {
          const lines = [];
          if (result.stored) lines.push(`stored ${result.memoryId}${result.bankId ? ` in bank ${result.bankId}` : ''}`);
          else if (result.deduplicated) lines.push(`already in memory as ${result.duplicateOf} (${result.reason})`);
          if (result.redacted?.length) lines.push(`redacted: ${result.redacted.join(', ')}`);
          return lines.join('\n');
        });
        if (!result.stored && !result.deduplicated) {
          const reason = result.reason ?? 'refused by policy';
          throw new IncompleteError(
            /^not stored/i.test(reason) ? reason : `not stored: ${reason}`,
            'see which rule or PII setting refused it with `astrocyte rules explain "<content>"`',
          );
        }
      }),
    );

  program
    .command('recall')
    .description('search memory by relevance')
    .argument('[query...]', 'what to look for')
    .option('-n, --max-results <n>', 'how many memories to return (1 to 100)', parsePositiveInteger)
    .option('-t, --tags <list>', 'only memories with one of these tags', parseList)
    .option('--path-prefix <path>', 'only memories under this path')
    .option('--from <date>', 'only memories that happened at or after this instant')
    .option('--to <date>', 'only memories that happened at or before this instant (a date alone: to its end)')
    .option('--min-score <score>', 'drop hits scoring below this (0 to 1)', parseScore)
    .option('--banks <list>', 'search these banks instead of --bank', parseList)
    .action(
      withTextSession(io, 'query', 'recall', async (session, query, options) => {
        const banks = options.banks as string[] | undefined;
        const timeRange = {
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
        };
        const result = await (await session.brain({ existing: true })).recall(query, {
          ...(banks ? { bankIds: banks } : { bankId: await session.bank() }),
          ...given(options, ['maxResults', 'tags', 'pathPrefix', 'minScore']),
          ...(Object.keys(timeRange).length > 0 ? { timeRange } : {}),
          context: session.context('astrocyte-cli'),
        });
        session.print({ hits: result.hits.map(hitToJson), total: result.totalAvailable }, () => {
          if (result.hits.length === 0) return 'no memories matched';
          return result.hits.map((hit) => `${hit.score.toFixed(3)}  ${hit.memoryId}  ${memoryLine(hit)}`).join('\n');
        });
      }),
    );

  program
    .command('reflect')
    .description('answer a question from memory (extractive unless an llm is configured)')
    .argument('[query...]', 'the question')
    .option('--max-sources <n>', 'how many memories to draw on (1 to 50)', parsePositiveInteger)
    .action(
      withTextSession(io, 'question', 'reflect', async (session, query, options) => {
        const result = await (await session.brain({ existing: true })).reflect(query, {
          bankId: await session.bank(),
          ...given(options, ['maxSources']),
          context: session.context('astrocyte-cli'),
        });
        session.print({ answer: result.answer, mode: result.mode, sources: result.sources.map(hitToJson) }, () =>
          [
            terminalText(result.answer, { keepLineBreaks: true }),
            ...(result.sources.length && result.mode === 'llm'
              ? ['', 'sources:', ...result.sources.map((s) => `  ${s.memoryId}  ${memoryLine(s)}`)]
              : []),
          ].join('\n'),
        );
      }),
    );

  program
    .command('forget')
    .description('erase memories by id, tag, age or all; content is erased everywhere, a tombstone remains')
    .option('--ids <list>', 'comma-separated memory ids', parseList)
    .option('-t, --tags <list>', 'memories with any of these tags', parseList)
    .option('--before <date>', 'memories created before this instant (one in the future needs --yes)', once)
    .option('--all', 'every memory of the bank (needs --yes)')
    .option('--yes', 'confirm --all, or a --before in the future')
    .option('--reason <text>', 'why, recorded in the tombstone')
    .option('--override-legal-hold', 'also erase memories under legal hold (needs --reason)')
    .action(
      withSession(io, async (session, options: Record<string, never>) => {
        const selectors = (['ids', 'tags', 'before', 'all'] as const).filter((key) => options[key] !== undefined);
        if (selectors.length !== 1) {
          throw new UsageError(
            `forget needs exactly one of --ids, --tags, --before or --all; got ${selectors.length === 0 ? 'none' : selectors.map((g) => `--${g}`).join(', ')}`,
            'pick one selector, e.g. astrocyte forget --ids <id>',
          );
        }
        if (options.all && !options.yes)
          throw new UsageError('--all erases every memory of the bank', 'add --yes to confirm');
        // A wrong year erases as much as --all does.
        if (options.before !== undefined && Date.parse(options.before) > Date.now() && !options.yes)
          throw new UsageError(
            `--before ${options.before} is in the future: it erases every memory of the bank`,
            'check the date, or add --yes to confirm',
          );
        const bankId = await session.bank();
        const result = await (await session.brain({ existing: true })).forget(bankId, {
          ...(options.ids ? { memoryIds: options.ids } : {}),
          ...given(options, ['tags', 'before', 'reason', 'overrideLegalHold']),
          ...(options.all ? { all: true } : {}),
          context: session.context('astrocyte-cli'),
        });
        const skipped = result.skipped ?? [];
        const notFound = result.notFound ?? [];
        session.print(
          {
            deleted_count: result.deletedCount,
            skipped: skipped.map((s) => ({ memory_id: s.memoryId, reason: s.reason })),
            not_found: notFound,
          },
          () =>
            [
              `forgot ${result.deletedCount} ${result.deletedCount === 1 ? 'memory' : 'memories'}`,
              ...skipped.map((s) => `kept ${s.memoryId}: ${s.reason}`),
            ].join('\n'),
        );
        // A mistyped id must not read as done: the exit code says that something asked for was not there.
        if (notFound.length > 0)
          throw new NotFoundError(
            `bank ${bankId} holds no memory ${listIds(notFound)} (unknown, another bank's, or forgotten already)`,
            {
              details: {
                memoryIds: notFound,
                fix: `check the ids with \`astrocyte --bank ${bankId} list\`; \`astrocyte --bank ${bankId} history <id>\` shows whether one was forgotten`,
              },
            },
          );
      }),
    );

  program
    .command('compact')
    .description('rewrite the store so that forgotten memories leave its files too (locks the store while it runs)')
    .action(
      withSession(io, async (session) => {
        await (await session.brain({ existing: true })).compact({ context: session.context() });
        session.print({ compacted: true }, () => 'compacted: forgotten data is gone from the store files');
      }),
    );
}

// The first ids of a list, for a message that stays one line whatever the list's length.
function listIds(ids: string[]): string {
  const shown = ids.slice(0, 5).map((id) => terminalText(id));
  return ids.length > shown.length ? `${shown.join(', ')} and ${ids.length - shown.length} more` : shown.join(', ');
}
