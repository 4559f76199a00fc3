import type Anthropic from '@anthropic-ai/sdk';
import { abortableSleep, httpStatus, ValidationError } from '@astrocyte/core';
import { SessionError } from './session-errors.js';

const POLL_START_MS = 100;
const POLL_CAP_MS = 1_000;

/**
 * Deletes a session: interrupts it if it is working, waits until it is no longer running, then deletes it.
 * A session that no longer exists counts as deleted. Rejects with SessionError if it keeps running past
 * `timeoutSeconds` (default 30).
 */
export async function deleteManagedSession(
  client: Anthropic,
  sessionId: string,
  options: { timeoutSeconds?: number } = {},
): Promise<void> {
  if (typeof sessionId !== 'string' || sessionId.length === 0) {
    throw new ValidationError(
      'sessionId',
      'must be a non-empty session id (deleteManagedSession, @astrocyte/managed-agents)',
    );
  }
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  if (!(typeof timeoutSeconds === 'number' && timeoutSeconds > 0)) {
    throw new ValidationError('timeoutSeconds', 'must be a positive number of seconds (deleteManagedSession)');
  }
  const deadline = Date.now() + timeoutSeconds * 1000;
  let interrupted = false;
  let wait = POLL_START_MS;
  for (;;) {
    const status = await sessionStatus(client, sessionId);
    if (status === null) return;
    if (status !== 'running' && status !== 'rescheduling') break;
    if (!interrupted) {
      await client.beta.sessions.events.send(sessionId, { events: [{ type: 'user.interrupt' }] });
      interrupted = true;
      continue;
    }
    if (Date.now() + wait > deadline) {
      throw new SessionError(
        sessionId,
        'still_running',
        `still ${status} ${timeoutSeconds} s after the interrupt; not deleted`,
        {
          code: 'session_delete_timeout',
        },
      );
    }
    await abortableSleep(wait);
    wait = Math.min(wait * 2, POLL_CAP_MS);
  }
  try {
    await client.beta.sessions.delete(sessionId);
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
  }
}

async function sessionStatus(client: Anthropic, sessionId: string): Promise<string | null> {
  try {
    return (await client.beta.sessions.retrieve(sessionId)).status;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}
