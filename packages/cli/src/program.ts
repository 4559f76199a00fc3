import { Command, Option } from 'commander';
import type { CliIo } from './cli-session.js';
import { registerAttachCommand } from './commands/attach-command.js';
import { registerAuditCommand } from './commands/audit-command.js';
import { registerBrowseCommands } from './commands/browse-commands.js';
import { registerDoctorCommand } from './commands/doctor-command.js';
import { registerInitCommand } from './commands/init-command.js';
import { registerMcpCommand } from './commands/mcp-command.js';
import { registerMemoryCommands } from './commands/memory-commands.js';
import { registerReembedCommand } from './commands/reembed-command.js';
import { registerRulesCommand } from './commands/rules-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerStoresCommand } from './commands/stores-command.js';
import { registerTransferCommands } from './commands/transfer-commands.js';
import { once } from './option-parsers.js';

/** The version the command reports. */
export const CLI_VERSION = '0.1.0';

/** Builds the `astrocyte` command tree; parsing errors throw instead of exiting, for `runCli` to report. */
export function createProgram(io: CliIo): Command {
  const program = new Command('astrocyte')
    .description('Long-term memory for AI agents, from a terminal: retain, recall, reflect, forget, export, MCP.')
    .version(CLI_VERSION, '-V, --version')
    .option(
      '-c, --config <path>',
      'config file (default: $ASTROCYTE_CONFIG, else ./astrocyte.yaml, else SQLite in ./astrocyte.db)',
    )
    .option('-b, --bank <id>', 'memory bank (default: $ASTROCYTE_BANK, else the config\'s bank, else "default")', once)
    .option('--json', 'print machine-readable JSON')
    .addOption(
      new Option(
        '--principal <principal>',
        "who acts (user:alice, agent:bot, service:ingest; a bare name is a user), checked against the config's access grants",
      ).env('ASTROCYTE_PRINCIPAL'),
    )
    .addOption(
      new Option(
        '--on-behalf-of <principal>',
        'the user the principal acts for: each operation needs the grants of both',
      ).env('ASTROCYTE_ON_BEHALF_OF'),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // runCli prints usage errors itself, as one line with the fix.
      outputError: () => {},
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false });
  registerInitCommand(program, io);
  registerMemoryCommands(program, io);
  registerBrowseCommands(program, io);
  registerTransferCommands(program, io);
  registerReembedCommand(program, io);
  registerRulesCommand(program, io);
  registerMcpCommand(program, io);
  registerServeCommand(program, io);
  registerAttachCommand(program, io);
  registerStoresCommand(program, io);
  registerDoctorCommand(program, io);
  registerAuditCommand(program, io);
  return program;
}
