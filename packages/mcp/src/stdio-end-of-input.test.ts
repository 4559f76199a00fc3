import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createSqliteBrain } from '@astrocyte/brain-sqlite';
import type { Brain } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveStdio } from './serve-stdio.js';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'piped', version: '1' } },
});
const retain = (id: number, content: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'memory_retain', arguments: { content } },
  });

type Answer = { id: number; result?: { content: { text: string }[] }; error?: { code: number; message: string } };

// A client that pipes its requests and closes its side at once, as `printf … | astrocyte mcp` does: the server runs
// over a real SQLite file, closed as docs/mcp.md says, `await stdio.closed; await brain.close()`.
describe('MCP over stdio at the end of input', () => {
  let dir: string;
  let path: string;
  let bankId: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'astrocyte-mcp-stdio-end-'));
    path = join(dir, 'memory.db');
    bankId = randomBankId('piped');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // Serves `input`, ended at once, until `closed`, closes the brain; the answers written and what was stored.
  async function pipe(input: string): Promise<{ answers: Answer[]; dropped: string[]; stored: string[] }> {
    const brain: Brain = await createSqliteBrain({ path });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const dropped: string[] = [];
    const running = await serveStdio(brain, {
      bankId,
      stdin,
      stdout,
      onError: (error) => dropped.push(error.message),
    });
    stdin.end(input);
    await running.closed;
    await brain.close();
    const answers = out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Answer);
    const reopened = await createSqliteBrain({ path });
    const stored = (await reopened.list(bankId)).items.map((memory) => memory.text);
    await reopened.close();
    return { answers, dropped, stored };
  }

  it('answers and stores a retain sent just before stdin ends, before `closed` settles', async () => {
    const { answers, stored } = await pipe(`${INITIALIZE}\n${retain(2, 'piped fact about the garden')}\n`);
    expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
    expect(JSON.parse(answers[1]?.result?.content[0]?.text ?? '')).toEqual({
      stored: true,
      memory_id: expect.any(String),
    });
    expect(stored).toEqual(['piped fact about the garden']);
  });

  it('reads a last message without a newline after it as any other line', async () => {
    const { answers, stored } = await pipe(`${INITIALIZE}\n${retain(2, 'last line without newline')}`);
    expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
    expect(stored).toEqual(['last line without newline']);
  });

  it('answers or reports a cut-off last message, as any other line it cannot read', async () => {
    const { answers, dropped } = await pipe(`${INITIALIZE}\n{"jsonrpc":"2.0","id":2,"method":"tools/ca`);
    expect(answers[1]).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32700, message: expect.stringMatching(/^message: /) },
    });
    const notification = await pipe(`${INITIALIZE}\n{"jsonrpc":"2.0","method":"notifications/x","params":{`);
    expect(notification.answers.map((answer) => answer.id)).toEqual([1]);
    expect(dropped).toEqual([]);
    expect(notification.dropped).toEqual([expect.stringMatching(/^message: /)]);
  });

  it('closes without waiting for a request the client cancelled, and answers the others', async () => {
    const cancel = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } });
    const { answers, stored } = await pipe(
      [INITIALIZE, retain(2, 'cancelled fact'), cancel, retain(3, 'kept fact'), ''].join('\n'),
    );
    expect(answers.map((answer) => answer.id)).toEqual(expect.arrayContaining([1, 3]));
    expect(stored).toContain('kept fact');
  });
});
