import { ConfigError } from '../errors.js';

/** Sent when a local OpenAI-compatible server (Ollama, vLLM, LM Studio) needs no key but the SDK insists on one. */
export const PLACEHOLDER_API_KEY = 'no-key-needed';

/**
 * The API key a provider client should use: the configured one (already `${VAR}`-substituted), else the SDK's
 * own environment variable. A custom base URL may need no key at all; the official endpoint always does, so a
 * missing key fails at open, naming where to put it, instead of on the first request.
 */
export function resolveApiKey(options: {
  configured: string | undefined;
  envVars: readonly string[];
  baseURL: string | undefined;
  field: string;
  provider: string;
}): string {
  if (options.configured) return options.configured;
  for (const name of options.envVars) {
    const value = process.env[name];
    if (value) return value;
  }
  if (options.baseURL) return PLACEHOLDER_API_KEY;
  const [primary] = options.envVars;
  throw new ConfigError(
    `${options.field}: the ${options.provider} provider needs an API key; set ${options.field}: \${${primary}} in astrocyte.yaml or export ${primary}`,
    { code: 'missing_api_key', details: { field: options.field, provider: options.provider } },
  );
}
