import {
  AstrocyteError,
  type Brain,
  checkBankId,
  DEFAULT_MAX_BODY_BYTES,
  jsonBodyHeadersProblem,
  NotFoundError,
  readJsonBytes,
  ValidationError,
} from '@astrocyte/core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { ChatAgent } from './chat-agent.js';
import { memoryRoutes } from './memory-routes.js';
import { readAsset, staticAssets } from './static-assets.js';
import type { TranscriptEvent } from './transcript.js';

/** What the page needs to know about this run. */
export interface DemoInfo {
  storage: string;
  defaultBank: string;
}

/** The demo's HTTP app: the page, its assets, the memory panel API and the chat turn as a server-sent event stream. */
export function createDemoApp(brain: Brain, agent: ChatAgent, info: DemoInfo): Hono {
  const app = new Hono();
  const assets = staticAssets();

  app.onError((error, c) => {
    const status = ValidationError.isInstance(error) ? 400 : NotFoundError.isInstance(error) ? 404 : 500;
    if (status === 500) console.error(error);
    const code = AstrocyteError.isInstance(error) ? error.code : 'internal_error';
    return c.json({ error: { code, message: error.message } }, status);
  });

  app.get('/api/info', (c) => c.json({ mode: agent.mode, ...info }));
  app.route('/api', memoryRoutes(brain));

  // The body is JSON of a bounded size: a cross-site form or text/plain POST, which a browser sends from any page
  // without asking, would otherwise make the agent store or forget, and a body of any size was read whole.
  const tooLarge = `the request body is larger than the limit of ${DEFAULT_MAX_BODY_BYTES} bytes`;
  const chatBody = bodyLimit({
    maxSize: DEFAULT_MAX_BODY_BYTES,
    onError: (c) => c.json({ error: { code: 'request_too_large', message: tooLarge } }, 413),
  });
  app.post('/api/banks/:bank/chat', chatBody, async (c) => {
    const bankId = checkBankId(c.req.param('bank'), 'bank');
    const problem = jsonBodyHeadersProblem(c.req.header('content-type'), c.req.header('content-encoding'));
    if (problem) return c.json({ error: { code: 'unsupported_media_type', message: problem } }, 415);
    const body = readJsonBytes(new Uint8Array(await c.req.arrayBuffer()), 'body');
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ValidationError('body', 'must be a JSON object such as {"message": "…"}');
    const said = (body as { message?: unknown }).message;
    const message = typeof said === 'string' ? said.trim() : '';
    if (!message) throw new ValidationError('message', 'is required: what to say to the agent');
    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort(new Error('the page closed the stream')));
      // Events arrive synchronously from the session loop; writes are chained so they go out in order.
      let writing = Promise.resolve();
      const send = (event: TranscriptEvent) => {
        writing = writing.then(() => stream.writeSSE({ event: 'transcript', data: JSON.stringify(event) }));
      };
      try {
        await agent.turn(bankId, message, send, abort.signal);
      } catch (error) {
        if (!abort.signal.aborted)
          send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      }
      await writing;
    });
  });

  app.get('*', async (c) => {
    const asset = assets.get(c.req.path);
    if (!asset) return c.json({ error: { code: 'not_found', message: `no page at ${c.req.path}` } }, 404);
    return c.body(new Uint8Array(await readAsset(asset)), 200, {
      'content-type': asset.type,
      'cache-control': 'no-cache',
    });
  });

  return app;
}
