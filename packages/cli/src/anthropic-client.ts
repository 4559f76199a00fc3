import type Anthropic from '@anthropic-ai/sdk';
import { UsageError } from './cli-errors.js';

/**
 * The Anthropic client of the Managed Agents commands: `$ANTHROPIC_API_KEY`, and `--base-url`, else
 * `$ANTHROPIC_BASE_URL`, else the Anthropic API. The SDK is loaded here, so that every other command starts without
 * it. `command` names the command line to run again once the key is set.
 */
export async function anthropicClient(baseUrl: string | undefined, command: string): Promise<Anthropic> {
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey)
    throw new UsageError(
      'ANTHROPIC_API_KEY is not set',
      `export ANTHROPIC_API_KEY=<your key> and run ${command} again`,
    );
  const { default: Sdk } = await import('@anthropic-ai/sdk');
  const baseURL = baseUrl ?? process.env.ANTHROPIC_BASE_URL;
  return new Sdk({ apiKey, ...(baseURL ? { baseURL } : {}) });
}
