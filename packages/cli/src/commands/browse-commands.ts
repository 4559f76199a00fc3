import { memoryToJson, versionToJson } from '@astrocyte/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli-session.js';
import { given, withSession } from '../command-action.js';
import { parseList, parsePositiveInteger } from '../option-parsers.js';
import { memoryLine, terminalText } from '../terminal-text.js';

/** Registers list, history and banks. */
export function registerBrowseCommands(program: Command, io: CliIo): void {
  program
    .command('list')
    .description("a page of the bank's memories, oldest first")
    .option('-t, --tags <list>', 'only memories with one of these tags', parseList)
    .option('--path-prefix <path>', 'only memories under this path')
    .option('-l, --limit <n>', 'memories per page (1 to 1000, default 50)', parsePositiveInteger)
    .option('--cursor <cursor>', 'continue from where the previous page ended')
    .action(
      withSession(io, async (session, options: Record<string, never>) => {
        const bankId = await session.bank();
        const page = await (await session.brain({ existing: true })).list(bankId, {
          ...given(options, ['tags', 'pathPrefix', 'limit', 'cursor']),
          context: session.context(),
        });
        session.print({ items: page.items.map(memoryToJson), next_cursor: page.nextCursor }, () =>
          page.items.length === 0
            ? 'no memories'
            : page.items.map((m) => `${m.id}  ${m.createdAt.toISOString().slice(0, 19)}Z  ${memoryLine(m)}`).join('\n'),
        );
        if (page.nextCursor && !session.json) {
          // The next page of the same listing: run as printed, it must not page through another bank or filter.
          const { tags, pathPrefix, limit } = options as { tags?: string[]; pathPrefix?: string; limit?: number };
          const next = [
            ['--bank', bankId],
            ...(tags ? [['--tags', tags.join(',')]] : []),
            ...(pathPrefix ? [['--path-prefix', pathPrefix]] : []),
            ...(limit ? [['--limit', String(limit)]] : []),
            ['--cursor', page.nextCursor],
          ];
          session.note(
            `more: astrocyte list ${next.map(([flag, value]) => `${flag} ${shellWord(value as string)}`).join(' ')}`,
          );
        }
      }),
    );

  program
    .command('history')
    .description("a memory's versions: create, supersede, redact, expire, forget")
    .argument('<memory-id>', 'the memory')
    .action(
      withSession(io, async (session, memoryId: string) => {
        const versions = await (await session.brain({ existing: true })).history(await session.bank(), memoryId, {
          context: session.context(),
        });
        session.print(versions.map(versionToJson), () =>
          versions
            .map((v) =>
              [
                `v${v.version}`,
                `${v.at.toISOString().slice(0, 19)}Z`,
                v.action,
                terminalText(v.actor ?? '-'),
                v.text === null ? '(content erased)' : terminalText(v.text),
                ...(v.reason ? [`(${terminalText(v.reason)})`] : []),
              ].join('  '),
            )
            .join('\n'),
        );
      }),
    );

  program
    .command('banks')
    .description('every bank with live memories, and how many each holds')
    .action(
      withSession(io, async (session) => {
        const banks = await (await session.brain({ existing: true })).banks({ context: session.context() });
        session.print(
          banks.map((b) => ({ bank_id: b.bankId, memory_count: b.memoryCount })),
          () => (banks.length === 0 ? 'no banks yet' : banks.map((b) => `${b.bankId}  ${b.memoryCount}`).join('\n')),
        );
      }),
    );
}

// A value as one shell word: bare when it holds nothing a shell reads, else in single quotes.
function shellWord(value: string): string {
  return /^[\w.,:@/+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
