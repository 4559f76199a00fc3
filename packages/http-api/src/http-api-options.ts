import {
  type BearerToken,
  checkAllowedHosts,
  checkTokens,
  DEFAULT_MAX_BODY_BYTES,
  didYouMean,
  ValidationError,
  zodProblem,
} from '@astrocyte/core';
import { z } from 'zod';

/** How the HTTP API checks and limits requests. */
export interface HttpApiOptions {
  /** The address the server is bound to; defaults to 127.0.0.1. With `port`, it names the Host headers accepted. */
  host?: string;
  /** The port clients reach the server on. */
  port: number;
  /**
   * Bearer tokens, each mapped to the principal whose grants its requests get (`{ token, principal }`), at least 16
   * characters each. Required when `host` is not a loopback address.
   */
  tokens?: BearerToken[];
  /**
   * Host names accepted besides the bound address's own (`name` on any port, or `name:port`): the names clients
   * use to reach the server, such as a DNS name or the name a reverse proxy forwards.
   */
  allowedHosts?: string[];
  /**
   * The largest request body accepted, in bytes; defaults to DEFAULT_MAX_BODY_BYTES, room for a text of the default
   * content limit. A brain with a higher `limits.maxContentLength` needs `bodyBytesFor(thatLimit)` (from
   * `@astrocyte/core`) to take its longest texts.
   */
  maxBodyBytes?: number;
  /**
   * Told of every request that failed with a 5xx, whose response says only what the error code means; defaults to a
   * line on stderr with the request id and the error.
   */
  onError?: (error: unknown, requestId: string) => void;
}

/** Where `serveHttpApi` listens, and how it checks and limits requests. */
export interface ServeHttpApiOptions extends Omit<HttpApiOptions, 'port'> {
  /** Defaults to 8766; 0 picks a free port (read it from `url`). */
  port?: number;
}

/** The options once validated, defaults filled in. */
export type HttpApiSettings = Required<HttpApiOptions>;

const schema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65_535),
  tokens: z.array(z.strictObject({ token: z.string(), principal: z.string().min(1).optional() })).default([]),
  allowedHosts: z.array(z.string()).default([]),
  maxBodyBytes: z.int().min(1).default(DEFAULT_MAX_BODY_BYTES),
  onError: z
    .custom<(error: unknown, requestId: string) => void>((value) => typeof value === 'function', 'must be a function')
    .default(() => reportToStderr),
});

/**
 * Validates the options; errors name the package and the field. Refuses a non-loopback host without tokens, weak or
 * repeated tokens, and malformed allowed hosts.
 */
export function parseHttpApiOptions(options: HttpApiOptions): HttpApiSettings {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) {
    const problem = zodProblem(parsed.error, options, schema);
    throw new ValidationError(
      `@astrocyte/http-api ${problem.field || 'options'}`,
      problem.unknownKey ? `is not an option${didYouMean(problem.suggestion)}` : problem.message,
    );
  }
  const settings = parsed.data as HttpApiSettings;
  checkTokens(
    settings.host,
    settings.tokens,
    '@astrocyte/http-api tokens',
    'Give each client a token mapped to its principal: `tokens` of createHttpApi and serveHttpApi, or access.tokens ' +
      'in astrocyte.yaml for `astrocyte serve`',
  );
  checkAllowedHosts(settings.allowedHosts, '@astrocyte/http-api allowedHosts');
  return settings;
}

function reportToStderr(error: unknown, requestId: string): void {
  const what =
    error instanceof Error
      ? `${error.name}${'code' in error ? ` ${error.code}` : ''}: ${error.message}`
      : String(error);
  process.stderr.write(`astrocyte http-api: request ${requestId} failed: ${what}\n`);
}
