import { type AuditEntry, checkBankId, parsePrincipal } from '@astrocyte/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli-session.js';
import { withSession } from '../command-action.js';
import { parsePositiveInteger } from '../option-parsers.js';

interface AuditCommandOptions {
  principalFilter?: string;
  since?: string;
  limit?: number;
  cursor?: string;
}

/** Registers `audit`: the access log (denials, forgets, admin actions), newest first; needs admin. */
export function registerAuditCommand(program: Command, io: CliIo): void {
  program
    .command('audit')
    .description(
      'list the access log, newest first: who was denied, who forgot, who ran admin actions (never memory text); needs admin',
    )
    .option('--principal-filter <principal>', 'only entries of this principal (a bare name is a user)')
    .option('--since <date>', 'only entries recorded at or after this instant (ISO 8601)')
    .option('-l, --limit <n>', 'entries per page (1 to 1000, default 100)', parsePositiveInteger)
    .option('--cursor <cursor>', 'continue from where the previous page ended')
    .action(
      withSession(io, async (session, options: AuditCommandOptions) => {
        // Only an explicit --bank filters: the default bank would hide every other bank's entries.
        const bankId = session.options.bank;
        const page = await (await session.brain({ existing: true })).audit({
          ...(bankId !== undefined ? { bankId: checkBankId(bankId, 'bankId') } : {}),
          ...(options.principalFilter
            ? { principal: parsePrincipal(options.principalFilter, '--principal-filter') }
            : {}),
          ...(options.since !== undefined ? { since: options.since } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
          context: session.context(),
        });
        if (session.json) {
          for (const entry of page.items) io.stdout.write(`${JSON.stringify(entryToJson(entry))}\n`);
        } else {
          session.print(null, () => (page.items.length === 0 ? 'no audit entries' : table(page.items)));
        }
        if (page.nextCursor) session.note(`more: astrocyte audit --cursor ${page.nextCursor}`);
      }),
    );
}

function entryToJson(entry: AuditEntry) {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    principal: entry.principal,
    on_behalf_of: entry.onBehalfOf,
    action: entry.action,
    bank_id: entry.bankId,
    permission: entry.permission,
    outcome: entry.outcome,
    details: entry.details,
  };
}

// One line per entry, columns aligned: when, outcome, action, bank, permission, who, and the details.
function table(entries: AuditEntry[]): string {
  const rows = entries.map((entry) => [
    `${entry.at.toISOString().slice(0, 19)}Z`,
    entry.outcome,
    entry.action,
    entry.bankId ?? '(every bank)',
    entry.permission,
    `${entry.principal ?? '(no principal)'}${entry.onBehalfOf ? ` for ${entry.onBehalfOf}` : ''}`,
    Object.keys(entry.details).length > 0 ? JSON.stringify(entry.details) : '',
  ]);
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
