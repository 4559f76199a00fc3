import type { SessionErrorFields, SessionErrorType } from './scripted-agent.js';

/**
 * The fields each kind of `session.error` carries beside `type`, `message` and `retry_status` (the SDK's error object
 * types, `resources/beta/sessions/events.d.ts`, SDK 1.13), with placeholders for a script that names none.
 */
const TYPE_FIELDS: Array<[RegExp, SessionErrorFields]> = [
  [/^mcp_/, { mcp_server_name: 'emulated-mcp-server' }],
  [/^credential_host_unreachable_error$/, { credential_id: 'vcrd_emulated', vault_id: 'vlt_emulated' }],
  [/^repository_/, { repository_url: null }],
];

/** The `error` object of a `session.error` event. */
export function sessionErrorObject(
  type: SessionErrorType,
  retryStatus: 'retrying' | 'exhausted' | 'terminal',
  message: string | undefined,
  fields: SessionErrorFields = {},
): Record<string, unknown> {
  const defaults = TYPE_FIELDS.find(([pattern]) => pattern.test(type))?.[1] ?? {};
  return {
    ...defaults,
    ...fields,
    type,
    message: message ?? `emulated ${type}`,
    retry_status: { type: retryStatus },
  };
}
