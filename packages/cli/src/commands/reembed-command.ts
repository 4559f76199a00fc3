import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  type AstrocyteContext,
  type Brain,
  embeddingSectionFromYaml,
  type ReembedResult,
  type ReembedState,
} from '@astrocyte/core';
import type { Command } from 'commander';
import { IncompleteError, UsageError } from '../cli-errors.js';
import type { CliIo, CliSession } from '../cli-session.js';
import { withSession } from '../command-action.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { ProgressBar } from '../progress-bar.js';

interface ReembedCommandOptions {
  to?: string;
  batchSize?: number;
  status?: boolean;
  cancel?: boolean;
  progress?: boolean;
}

const EXAMPLE = '--to "{provider: openai, model: text-embedding-3-small, dimensions: 256}"';

/** Registers `reembed`. */
export function registerReembedCommand(program: Command, io: CliIo): void {
  program
    .command('reembed')
    .description(
      "compute another embedding model's vectors for every memory of every bank, resumably (run it again after a stop), while recall keeps working; then switch the store to that model",
    )
    .option(
      '--to <file|yaml>',
      'the new model: a YAML file with an embedding: section (a whole astrocyte.yaml works), or the section inline',
    )
    .option(
      '--batch-size <n>',
      'memories per embedding request and per transaction (default 256)',
      parsePositiveInteger,
    )
    .option('--status', "show the store's embedder and the re-embedding in progress; changes nothing")
    .option('--cancel', 'drop the re-embedding in progress and the vectors it staged')
    .option('--progress', 'show a progress bar with the time left on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show a progress bar')
    .action(
      withSession(io, async (session, options: ReembedCommandOptions) => {
        const chosen = (['to', 'status', 'cancel'] as const).filter((key) => options[key] !== undefined);
        if (chosen.length !== 1)
          throw new UsageError(
            'give one of --to, --status or --cancel',
            `e.g. astrocyte reembed ${EXAMPLE}; see \`astrocyte reembed --help\``,
          );
        // Re-embedding reads a store: a mistyped path is an error, not a new empty store of 0 memories.
        const brain = await session.brain({ existing: true });
        const context = session.context();
        if (options.status) return printStatus(session, await brain.reembedStatus({ context }));
        if (options.cancel) return cancel(session, brain, context);
        await run(session, brain, readTarget(options.to as string), options, context);
      }),
    );
}

// A file if one exists at the path, else the YAML of the section itself.
function readTarget(value: string): Record<string, unknown> {
  if (existsSync(value) && statSync(value).isFile())
    return embeddingSectionFromYaml(readFileSync(value, 'utf8'), value);
  if (!/[:{\n]/.test(value))
    throw new UsageError(
      `--to: there is no file ${value}`,
      `pass a YAML file with an embedding: section, or the section itself, e.g. ${EXAMPLE}`,
    );
  return embeddingSectionFromYaml(value, '--to');
}

async function run(
  session: CliSession,
  brain: Brain,
  to: Record<string, unknown>,
  options: ReembedCommandOptions,
  context: AstrocyteContext,
): Promise<void> {
  const controller = new AbortController();
  // The first Ctrl+C stops once the batch in flight is staged, so that no vector is computed for nothing; a second
  // one leaves at once.
  let stopping = false;
  const interrupt = () => {
    if (stopping) process.exit(130);
    stopping = true;
    session.note('stopping once the batch in flight is staged (Ctrl+C again to quit at once)');
  };
  process.on('SIGINT', interrupt);
  const show = options.progress ?? Boolean((session.io.stderr as { isTTY?: boolean }).isTTY);
  const bar = new ProgressBar(session.io.stderr, 're-embedding', show, { eta: true });
  let result: ReembedResult;
  try {
    const before = await brain.reembedStatus({ context });
    bar.update(before.staged, before.total > 0 ? before.staged / before.total : 0);
    result = await brain.reembed({
      to,
      context,
      signal: controller.signal,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      onProgress: (p) => {
        bar.update(p.staged, p.total > 0 ? p.staged / p.total : 1);
        if (stopping && p.phase === 'embedding') controller.abort();
      },
    });
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    if (show) session.io.stderr.write('\n');
    const state = await brain.reembedStatus({ context });
    throw new IncompleteError(
      `re-embedding stopped with ${state.staged.toLocaleString('en-US')} of ${state.total.toLocaleString('en-US')} memories staged${state.target ? ` for ${describe(state.target)}` : ''}; the store still holds ${describe(state.current)}`,
      'run the same command again to continue where it stopped, or `astrocyte reembed --cancel` to drop what is staged',
    );
  } finally {
    process.off('SIGINT', interrupt);
  }
  bar.finish(result.memories);
  const config = (await session.config()).source ?? 'astrocyte.yaml';
  session.print(result, () =>
    [
      `re-embedded ${count(result.memories)} to ${describe(result.to)}${result.resumed ? ` (continued an interrupted run; ${count(result.embedded)} embedded now)` : ''}`,
      `the store now opens only with that embedder: set embedding: in ${config} to the section given to --to`,
    ].join('\n'),
  );
}

async function cancel(session: CliSession, brain: Brain, context: AstrocyteContext): Promise<void> {
  const state = await brain.reembedStatus({ context });
  if (state.target) await brain.cancelReembed({ context });
  session.print({ cancelled: state.target, dropped: state.target ? state.staged : 0, current: state.current }, () =>
    state.target
      ? `cancelled the re-embedding to ${describe(state.target)}: dropped ${count(state.staged)} staged; the store keeps ${describe(state.current)}`
      : `no re-embedding is in progress; the store holds ${describe(state.current)}`,
  );
}

function printStatus(session: CliSession, state: ReembedState): void {
  session.print(state, () =>
    [
      `embedder: ${describe(state.current)}, ${count(state.total)}`,
      state.target
        ? `re-embedding to ${describe(state.target)}: ${state.staged.toLocaleString('en-US')} of ${state.total.toLocaleString('en-US')} staged; run astrocyte reembed with the same --to to continue`
        : 'no re-embedding in progress',
    ].join('\n'),
  );
}

function describe(embedder: { name: string; dimensions: number }): string {
  return `${embedder.name} (${embedder.dimensions} dimensions)`;
}

function count(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'memory' : 'memories'}`;
}
