import { AstrocyteError } from '@astrocyte/core';
import { parseDemoOptions, USAGE } from './demo-options.js';
import { openDemo, startDemo } from './start-demo.js';
import { terminalTranscript } from './terminal-transcript.js';

/** `pnpm demo`: serves the demo page, or with `--cli "message"` runs one turn in the terminal. */
async function main(): Promise<void> {
  const options = parseDemoOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { cliMessage, ...rest } = options;
  if (cliMessage !== undefined) return runCliTurn(cliMessage, rest);
  const demo = await startDemo(rest);
  process.stdout.write(
    `\nAstrocyte demo: ${demo.url}\n  agent:   ${demo.agent.mode.label}\n  storage: ${demo.storage}\n  bank:    ${demo.bank}\n\nOpen the URL in a browser; Ctrl+C stops the demo.\n`,
  );
  const stop = () => {
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function runCliTurn(
  message: string,
  options: Omit<ReturnType<typeof parseDemoOptions>, 'cliMessage'>,
): Promise<void> {
  const demo = await openDemo(options);
  try {
    process.stdout.write(`${demo.agent.mode.label} | ${demo.storage} | bank ${demo.bank}\n\n`);
    const print = terminalTranscript(
      (text) => process.stdout.write(text),
      process.stdout.isTTY && !process.env.NO_COLOR,
    );
    await demo.agent.turn(demo.bank, message, print);
  } finally {
    await demo.close();
  }
}

main().catch((error: unknown) => {
  const message =
    AstrocyteError.isInstance(error) || isArgError(error)
      ? (error as Error).message
      : String((error as Error)?.stack ?? error);
  process.stderr.write(`astrocyte demo: ${message}\n`);
  process.exitCode = 1;
});

function isArgError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS') ?? false;
}
