import type { Command } from 'commander';
import { anthropicClient } from '../anthropic-client.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-session.js';
import { withSession } from '../command-action.js';

/** Registers attach: answer the memory tool calls of a running Managed Agents session. */
export function registerAttachCommand(program: Command, io: CliIo): void {
  program
    .command('attach')
    .description('answer the memory tool calls of an existing Managed Agents session until it ends (Ctrl-C stops)')
    .requiredOption('-s, --session <id>', 'the session (sesn_…) to attach to')
    .option('--base-url <url>', 'the API base URL (default: $ANTHROPIC_BASE_URL, else the Anthropic API)')
    .option('--retain-transcript', "also retain each turn's user and agent messages as a conversation")
    .option(
      '--allow-forget',
      'answer memory_forget too (give the agent memoryToolDefinitions({ includeForget: true }))',
    )
    .action(
      withSession(
        io,
        async (
          session,
          options: { session: string; baseUrl?: string; retainTranscript?: boolean; allowForget?: boolean },
        ) => {
          const client = await anthropicClient(options.baseUrl, 'attach');
          const bankId = await session.bank();
          const brain = await session.brain();
          // Loaded here so that every other command starts without the session code.
          const { attachToSession } = await import('../attach-session.js');
          const stop = new AbortController();
          const onSignal = () => stop.abort();
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          const log = (value: Record<string, unknown>, human: string) =>
            io.stdout.write(`${session.json ? JSON.stringify(value) : human}\n`);
          let attached = false;
          try {
            const result = await attachToSession(client, brain, {
              sessionId: options.session,
              bankId,
              signal: stop.signal,
              retainTranscript: options.retainTranscript === true,
              includeForget: options.allowForget === true,
              context: session.context(`managed-agents:${options.session}`),
              onAttached: () => {
                if (attached) return;
                attached = true;
                log(
                  { event: 'attached', session_id: options.session, bank_id: bankId },
                  `attached to session ${options.session}, bank ${bankId}; Ctrl-C to stop`,
                );
              },
              onAnswer: (call, outcome) =>
                log(
                  { event: 'answered', tool: call.name, tool_use_id: call.id, is_error: outcome.isError },
                  `answered ${call.name} (${call.id})${outcome.isError ? `: error: ${outcome.text}` : ''}`,
                ),
              onForeignTool: (call) =>
                log(
                  { event: 'skipped', tool: call.name, tool_use_id: call.id },
                  call.type === 'agent.custom_tool_use'
                    ? `left ${call.name} (${call.id}) to its own handler`
                    : `left the confirmation of ${call.name} (${call.id}) to another client`,
                ),
              onTranscript: (results) => {
                const ids = results.flatMap((result) => (result.stored && result.memoryId ? [result.memoryId] : []));
                log(
                  { event: 'retained', session_id: options.session, memory_ids: ids },
                  `retained the turn: ${ids.length} of ${results.length} messages stored`,
                );
              },
              onTranscriptFailed: (error) =>
                session.note(
                  `astrocyte: could not retain the turn: ${error instanceof Error ? error.message : String(error)}`,
                ),
              onSendFailed: (call, error) =>
                session.note(
                  `astrocyte: could not send the result of ${call.name} (${call.id}): ${error instanceof Error ? error.message : String(error)}`,
                ),
              onReconnect: (attempt) => session.note(`astrocyte: stream dropped; reattaching (attempt ${attempt})`),
            });
            log(
              { event: 'ended', reason: result.ended, answered: result.answered },
              `${endText(result.ended)}; answered ${result.answered} memory tool ${result.answered === 1 ? 'call' : 'calls'}`,
            );
          } catch (error) {
            throw explainApiError(error, options.session);
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
        },
      ),
    );
}

function endText(ended: string): string {
  if (ended === 'stopped') return 'detached';
  return `session ${ended}`;
}

// The SDK's errors say what HTTP said; the user needs to know which of their inputs to change.
function explainApiError(error: unknown, sessionId: string): unknown {
  const status = (error as { status?: unknown } | null)?.status;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 401 || status === 403)
    return new UsageError(
      `the API refused the credentials (HTTP ${status})`,
      'check ANTHROPIC_API_KEY and its access to Managed Agents',
    );
  if (status === 404)
    return new UsageError(
      `no session ${sessionId} (HTTP 404)`,
      'check the --session id, e.g. in the Console or with client.beta.sessions.list()',
    );
  if (typeof status === 'number')
    return new UsageError(
      `the API refused a request (HTTP ${status}): ${message}`,
      'check the --session id and --base-url',
    );
  return error;
}
