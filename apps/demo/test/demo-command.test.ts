import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');

// The scripted agent must run even on a machine with a key: the command is tested offline.
const { ANTHROPIC_API_KEY: _key, PORT: _port, ...baseEnv } = process.env;

function demoProcess(args: string[], cwd: string): ChildProcess {
  return spawn(process.execPath, [TSX_CLI, '--conditions=@astrocyte/source', MAIN, ...args], {
    cwd,
    env: { ...baseEnv, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the demo command', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'astrocyte-demo-cmd-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--cli runs one turn, prints the transcript, and the memory persists for the next run', async () => {
    const db = join(dir, 'cli.db');
    const first = await finished(demoProcess(['--db', db, '--cli', 'Remember that my favourite colour is green'], dir));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Offline: scripted agent');
    expect(first.stdout).toMatch(/tool\s+memory_retain \{"content":"My favourite colour is green"/);
    expect(first.stdout).toContain('"stored":true');
    expect(first.stdout).toMatch(/memory\s+stored this exchange as 2 conversation turns of the chat session/);

    const second = await finished(demoProcess(['--db', db, '--cli', 'What is my favourite colour?'], dir));
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/tool\s+memory_recall/);
    expect(second.stdout).toMatch(/agent\s+From memory: Your favourite colour is green/);
  });

  it('serves the page and prints its URL; SIGTERM stops it cleanly', async () => {
    const child = demoProcess(['--port', '0', '--db', join(dir, 'server.db')], dir);
    const done = finished(child);
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stdout?.on('data', (chunk) => {
        seen += chunk;
        const match = /Astrocyte demo: (http:\/\/\S+)/.exec(seen);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('close', (code) => reject(new Error(`the demo exited with ${code} before printing its URL`)));
    });
    const info = (await (await fetch(new URL('/api/info', url))).json()) as { mode: { label: string } };
    expect(info.mode.label).toBe('Offline: scripted agent');
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('importmap');
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });

  it('rejects a bad option with a message naming it and exit code 1', async () => {
    const result = await finished(demoProcess(['--port', 'eighty'], dir));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--port: must be an integer from 0 to 65535');
  });
});
