import { type Command, CommanderError } from 'commander';
import { describeError, EXIT } from './cli-errors.js';
import type { CliIo } from './cli-session.js';
import { createProgram } from './program.js';

/** Runs the `astrocyte` command on `argv` (the words after the program name) and returns the exit code. */
export async function runCli(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, io, argv, program);
    const { line, exitCode } = describeError(error, commandName(argv, program));
    io.stderr.write(`${line}\n`);
    if (process.env.ASTROCYTE_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}

function commanderExit(error: CommanderError, io: CliIo, argv: string[], program: Command): number {
  // Help and version are printed by commander and are a success.
  if (error.exitCode === 0) return EXIT.ok;
  if (error.code === 'commander.help' || error.code === 'commander.helpDisplayed') return EXIT.usage;
  const message = error.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, '; ');
  io.stderr.write(`astrocyte: ${message} (fix: see \`${commandName(argv, program)} --help\`)\n`);
  return EXIT.usage;
}

// The command the user ran ("astrocyte recall"), for pointing at the right --help.
function commandName(argv: string[], program: Command): string {
  const known = program.commands.map((command) => command.name());
  const word = argv.find((arg) => known.includes(arg));
  return word ? `astrocyte ${word}` : 'astrocyte';
}
