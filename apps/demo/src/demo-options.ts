import { parseArgs } from 'node:util';
import { checkBankId, ValidationError } from '@astrocyte/core';

/** How the demo was asked to run, from the command line and the environment. */
export interface DemoOptions {
  /** An explicit port (`--port`, `PORT`); undefined means 3000 or the first free port after it. */
  port?: number;
  host: string;
  /** A SQLite file that replaces the configured storage (`--db`, `ASTROCYTE_DEMO_DB`). */
  db?: string;
  /** A config file other than ./astrocyte.yaml (`--config`, `ASTROCYTE_CONFIG`). */
  config?: string;
  /** Run one turn in the terminal with this message instead of starting the server. */
  cliMessage?: string;
  /** The bank the chat starts on. */
  bank?: string;
  help: boolean;
}

/** The usage text printed by `--help`. */
export const USAGE = `Usage: pnpm demo [options]

Starts the Astrocyte demo: chat with an agent that has long-term memory and watch it work.

Options:
  --port <n>        port to listen on (default: 3000, or the first free one after it; env PORT)
  --host <name>     interface to bind (default: 127.0.0.1; env HOST)
  --db <file>       SQLite file to use instead of the configured storage (env ASTROCYTE_DEMO_DB)
  --config <file>   config file (default: ./astrocyte.yaml if present, else SQLite at ./astrocyte.db)
  --bank <id>       memory bank to start on (default: the config's bank, else "demo-user")
  --cli <message>   run one turn in the terminal, print the transcript and exit
  -h, --help        show this help

With ANTHROPIC_API_KEY set the agent runs on the Claude Managed Agents API; without it, a scripted agent
runs on the local emulator (offline, no key needed).`;

/** Parses argv and the environment; a bad value throws ValidationError naming the option. */
export function parseDemoOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      config: { type: 'string' },
      cli: { type: 'string' },
      bank: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const portText = values.port ?? env.PORT;
  const db = values.db ?? env.ASTROCYTE_DEMO_DB;
  const config = values.config ?? env.ASTROCYTE_CONFIG;
  if (values.cli !== undefined && values.cli.trim() === '') throw new ValidationError('--cli', 'needs a message');
  return {
    ...(portText !== undefined && portText !== '' ? { port: parsePort(portText) } : {}),
    host: values.host ?? env.HOST ?? '127.0.0.1',
    ...(db ? { db } : {}),
    ...(config ? { config } : {}),
    ...(values.cli !== undefined ? { cliMessage: values.cli } : {}),
    ...(values.bank !== undefined ? { bank: checkBankId(values.bank, '--bank') } : {}),
    help: values.help ?? false,
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ValidationError('--port', `must be an integer from 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}
