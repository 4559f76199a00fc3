import { type DiagnosisCheck, diagnose } from '@astrocyte/core';
import type { Command } from 'commander';
import { IncompleteError } from '../cli-errors.js';
import type { CliIo } from '../cli-session.js';
import { withSession } from '../command-action.js';
import { parsePositiveInteger } from '../option-parsers.js';

/** Registers `doctor`. */
export function registerDoctorCommand(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description(
      'check the config, the backend, its vector extension, the embedder and the provider endpoints; prints the fix for each problem',
    )
    .option('--timeout <ms>', 'how long each provider endpoint gets to answer (default 5000)', parsePositiveInteger)
    .action(
      withSession(io, async (session, options: { timeout?: number }) => {
        const diagnosis = await diagnose({
          ...(session.options.config !== undefined ? { configPath: session.options.config } : {}),
          ...(options.timeout !== undefined ? { providerTimeoutMs: options.timeout } : {}),
        });
        session.print(diagnosis, () => diagnosis.checks.map(checkLines).join('\n'));
        const problems = diagnosis.checks.filter((check) => check.status === 'problem').length;
        if (problems > 0) {
          throw new IncompleteError(
            `${problems} problem${problems === 1 ? '' : 's'} found`,
            'apply the fixes above, then run `astrocyte doctor` again',
          );
        }
      }),
    );
}

// "problem  store             <summary>" and, under a problem, "         fix: <fix>".
function checkLines(check: DiagnosisCheck): string {
  const line = `${check.status.padEnd(8)} ${check.check.replace(/_/g, ' ').padEnd(19)} ${check.summary}`;
  return check.fix ? `${line}\n${' '.repeat(9)}fix: ${check.fix}` : line;
}
