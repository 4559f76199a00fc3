import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-session.js';
import { withSession } from '../command-action.js';
import { CONFIG_TEMPLATE } from '../config-template.js';
import { checkOutputFile } from '../output-file.js';

/** Registers init. */
export function registerInitCommand(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('write a commented astrocyte.yaml (at --config, else ./astrocyte.yaml)')
    .option('--force', 'overwrite an existing file')
    .action(
      withSession(io, async (session, options: { force?: boolean }) => {
        const file = resolve(session.options.config ?? 'astrocyte.yaml');
        checkOutputFile(file, '', '--config ./astrocyte.yaml');
        if (existsSync(file) && !options.force)
          throw new UsageError(`${file} already exists`, 'edit it, or pass --force to overwrite it');
        writeFileSync(file, CONFIG_TEMPLATE);
        session.print({ file }, () => `wrote ${file}; memories will be stored in ./astrocyte.db beside it`);
      }),
    );
}
