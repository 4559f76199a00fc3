import { bodyBytesFor } from '@astrocyte/core';
import type { Command } from 'commander';
import { atMost } from './bounded-read.js';
import { UsageError } from './cli-errors.js';
import { type CliIo, CliSession, type GlobalOptions } from './cli-session.js';
import { utf8Text } from './utf8-input.js';

/** Wraps a command handler: builds its session from the global options and closes the brain afterwards. */
export function withSession<T extends unknown[]>(
  io: CliIo,
  handler: (session: CliSession, ...args: T) => Promise<void>,
) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const session = new CliSession(command.optsWithGlobals() as GlobalOptions, io);
    try {
      await handler(session, ...(args.slice(0, -1) as T));
    } finally {
      await session.close();
    }
  };
}

/** The text a command acts on: its words joined, or stdin when given as "-" or piped with no words. */
async function readText(
  session: CliSession,
  words: string[] | undefined,
  what: string,
  command: string,
): Promise<string> {
  const joined = (words ?? []).join(' ');
  const { stdin } = session.io;
  if (joined === '-' || (joined === '' && !stdin.isTTY)) {
    // No text retain takes is longer; more (a runaway pipe, /dev/zero) is refused before it fills the memory.
    const maxLength = (await session.config()).config.limits.max_content_length;
    const maxBytes = bodyBytesFor(maxLength);
    const tooLarge = () =>
      new UsageError(
        `stdin is over ${maxBytes.toLocaleString('en-US')} bytes, more than a text of limits.max_content_length ` +
          `(${maxLength.toLocaleString('en-US')} characters) takes`,
        'pipe a shorter text, split it into several, or raise limits.max_content_length in the config',
      );
    const chunks: Buffer[] = [];
    for await (const chunk of atMost(stdin, maxBytes, tooLarge)) chunks.push(chunk as Buffer);
    const text = utf8Text(Buffer.concat(chunks), 'stdin').trim();
    if (text !== '') return text;
  }
  if (joined === '' || joined === '-')
    throw new UsageError(
      `no ${what} given`,
      `pass it as arguments, e.g. astrocyte ${command} "…", or pipe it on stdin`,
    );
  return joined;
}

/**
 * Wraps the handler of a command that acts on a text given as its words or on stdin: the text is read (see
 * readText) before the handler runs. `what` and `command` name the text and the command when none is given.
 */
export function withTextSession(
  io: CliIo,
  what: string,
  command: string,
  handler: (session: CliSession, text: string, options: Record<string, never>) => Promise<void>,
) {
  return withSession(io, async (session, words: string[], options: Record<string, never>) =>
    handler(session, await readText(session, words, what, command), options),
  );
}

/** The options among `keys` that were given, so that the brain's defaults apply to the rest. */
export function given(options: Record<string, unknown>, keys: string[]): Record<string, never> {
  return Object.fromEntries(
    keys.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]),
  ) as Record<string, never>;
}
