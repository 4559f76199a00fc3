import type { Command } from 'commander';
import type { CliIo } from '../cli-session.js';
import { given, withTextSession } from '../command-action.js';
import { parseJsonObject, parseList } from '../option-parsers.js';

/** Registers `rules explain`. */
export function registerRulesCommand(program: Command, io: CliIo): void {
  const rules = program.command('rules').description('the compliance rules of the config');
  rules
    .command('explain')
    .description('show what retain would do with some content, and which rules fired; stores nothing')
    .argument('[content...]', 'the content to check')
    .option('-t, --tags <list>', 'the tags it would carry', parseList)
    .option('-m, --metadata <json>', 'the metadata it would carry (JSON object or @file.json)', parseJsonObject)
    .action(
      withTextSession(io, 'content', 'rules explain', async (session, content, options) => {
        const decision = await (await session.brain()).explain(content, {
          bankId: await session.bank(),
          ...given(options, ['tags', 'metadata']),
          context: session.context(),
        });
        session.print(
          {
            action: decision.action,
            bank_id: decision.bankId,
            tags: decision.tags,
            expires_at: decision.expiresAt?.toISOString() ?? null,
            redact: decision.redact,
            pii_detected: decision.piiDetected,
            reason: decision.reason ?? null,
            matched: decision.matched,
          },
          () =>
            [
              `action: ${decision.action}${decision.reason ? ` (${decision.reason})` : ''}`,
              `bank: ${decision.bankId}`,
              `tags: ${decision.tags.join(', ') || '-'}`,
              ...(decision.expiresAt ? [`expires: ${decision.expiresAt.toISOString()}`] : []),
              `pii detected: ${decision.piiDetected.join(', ') || 'none'}`,
              `redacted: ${decision.redact.join(', ') || 'none'}`,
              decision.matched.length === 0 ? 'rules matched: none' : 'rules matched:',
              ...decision.matched.map((m) => `  ${m.rule}: ${m.action}${m.reason ? ` (${m.reason})` : ''}`),
            ].join('\n'),
        );
      }),
    );
}
