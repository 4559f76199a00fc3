import { spawn } from 'node:child_process';
import { once } from 'node:events';
import Anthropic from '@anthropic-ai/sdk';
import { Astrocyte, memoryToolDefinitions } from '@astrocyte/core';
import {
  keywordMemoryAgent,
  type ManagedAgentsEmulator,
  startManagedAgentsEmulator,
} from '@astrocyte/managed-agents/emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { astrocyte, BIN_ARGS, tempProject } from './cli-process.fixture.js';

/** A live `astrocyte attach` process and the lines it has printed so far. */
function startAttach(args: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [...BIN_ARGS, 'attach', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters.filter((w) => w.pattern.test(stdout))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves once stdout matches; the test's own timeout bounds the wait. */
    printed: (pattern: RegExp) =>
      pattern.test(stdout)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void exited.then(([code]) =>
              reject(new Error(`attach exited with ${code} before printing ${pattern}: ${stdout}${stderr}`)),
            );
          }),
  };
}

describe('astrocyte attach', { timeout: 120_000 }, () => {
  let emulator: ManagedAgentsEmulator;
  let client: Anthropic;
  let sessionId: string;

  beforeEach(async () => {
    emulator = await startManagedAgentsEmulator({ agent: keywordMemoryAgent() });
    client = new Anthropic({ baseURL: emulator.url, apiKey: 'test-key' });
    const agent = await client.beta.agents.create({
      name: 'Assistant with memory',
      model: 'claude-sonnet-4-6',
      tools: [{ type: 'agent_toolset_20260401' }, ...memoryToolDefinitions()],
    });
    const environment = await client.beta.environments.create({
      name: 'attach-test',
      config: { type: 'cloud', networking: { type: 'unrestricted' } },
    });
    sessionId = (await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })).id;
  });

  afterEach(async () => {
    await emulator.close();
  });

  const say = (text: string) =>
    client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.message', content: [{ type: 'text', text }] }],
    });
  const agentText = () =>
    emulator
      .events(sessionId)
      .filter((e) => e.type === 'agent.message')
      .map((e) => JSON.stringify(e.content));

  it('answers a call made before it attached and the calls after, into --bank, and ends with the session', async () => {
    const { dir, config } = tempProject();
    // The agent calls memory_retain now and waits: nobody is answering yet.
    await say('remember that the wifi password rotates every month');

    const attach = startAttach(['--session', sessionId, '--bank', 'office'], dir, {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: emulator.url,
    });
    await attach.printed(/answered memory_retain \(\S+\)\n/);
    // Watch for the end of the recall turn: the session must be idle before it can be deleted.
    const watch = await client.beta.sessions.events.stream(sessionId);
    await say('what rotates every month?');
    for await (const event of watch) {
      if (event.type === 'session.status_idle' && event.stop_reason.type === 'end_turn') break;
    }
    await attach.printed(/answered memory_recall \(\S+\)\n/);

    await client.beta.sessions.delete(sessionId);
    const [code] = await attach.exited;
    expect(attach.output().stdout).toMatch(/^attached to session \S+, bank office; Ctrl-C to stop\n/);
    expect(attach.output().stdout).toMatch(/session deleted; answered 2 memory tool calls\n$/);
    expect(code).toBe(0);

    // Each call was answered exactly once, and the recall found the fact.
    const results = emulator.events(sessionId).filter((e) => e.type === 'user.custom_tool_result');
    expect(results).toHaveLength(2);
    expect(new Set(results.map((e) => e.custom_tool_use_id)).size).toBe(2);
    expect(emulator.rejectedEvents).toEqual([]);
    expect(agentText().join(' ')).toContain('wifi password rotates every month');

    const brain = await Astrocyte.fromConfig(config);
    const { items } = await brain.list('office');
    expect(items.map((m) => m.text)).toEqual(['the wifi password rotates every month']);
    expect((await brain.history('office', items[0]?.id as string))[0]?.actor).toBe(`managed-agents:${sessionId}`);
    await brain.close();
  });

  it('refuses memory_forget unless --allow-forget, even from an agent that has the tool', async () => {
    const agent = await client.beta.agents.create({
      name: 'Assistant that may forget',
      model: 'claude-sonnet-4-6',
      tools: [{ type: 'agent_toolset_20260401' }, ...memoryToolDefinitions({ includeForget: true })],
    });
    const environment = await client.beta.environments.create({
      name: 'attach-forget-test',
      config: { type: 'cloud', networking: { type: 'unrestricted' } },
    });
    const { dir, config } = tempProject();
    const env = { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: emulator.url };
    const remaining = async () => {
      const brain = await Astrocyte.fromConfig(config);
      const texts = (await brain.list('office')).items.map((m) => m.text);
      await brain.close();
      return texts;
    };
    for (const [args, kept] of [
      [[], ['the door code is 4711']],
      [['--allow-forget'], []],
    ] as const) {
      const id = (await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })).id;
      const attach = startAttach(['--session', id, '--bank', 'office', ...args], dir, env);
      await attach.printed(/^attached/);
      const send = (text: string) =>
        client.beta.sessions.events.send(id, { events: [{ type: 'user.message', content: [{ type: 'text', text }] }] });
      await send('remember that the door code is 4711');
      await attach.printed(/answered memory_retain/);
      await send('forget the door code');
      await attach.printed(/answered memory_forget \(\S+\)/);
      if (args.length === 0)
        expect(attach.output().stdout).toMatch(
          /answered memory_forget \(\S+\): error: tool "memory_forget" was not offered/,
        );
      expect(await remaining()).toEqual(kept);
      attach.child.kill('SIGTERM');
      await attach.exited;
    }
  });

  it('prints one JSON line per answered call with --json and detaches on SIGTERM', async () => {
    const { dir } = tempProject();
    const attach = startAttach(['--json', '--session', sessionId], dir, {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: emulator.url,
    });
    await attach.printed(/"event":"attached"/);
    await say('remember that standup moved to 10:00');
    await attach.printed(/"event":"answered"/);
    attach.child.kill('SIGTERM');
    const [code] = await attach.exited;
    expect(code).toBe(0);
    const lines = attach
      .output()
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { event: 'attached', session_id: sessionId, bank_id: 'default' },
      { event: 'answered', tool: 'memory_retain', tool_use_id: expect.any(String), is_error: false },
      { event: 'ended', reason: 'stopped', answered: 1 },
    ]);
  });

  it('reattaches after a dropped stream and still answers each call exactly once', async () => {
    const { dir } = tempProject();
    const attach = startAttach(['--session', sessionId, '--bank', 'drops'], dir, {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: emulator.url,
    });
    await attach.printed(/^attached/);
    // Cut the stream right after each tool call is written: the call may or may not have reached attach.
    emulator.dropStreamAfter((event) => event.type === 'agent.custom_tool_use');
    await say('remember that the fire drill is on Thursday');
    await attach.printed(/answered memory_retain/);
    emulator.dropStreamAfter(undefined);
    attach.child.kill('SIGINT');
    expect((await attach.exited)[0]).toBe(0);
    expect(attach.output().stderr).toContain('stream dropped; reattaching');
    const results = emulator.events(sessionId).filter((e) => e.type === 'user.custom_tool_result');
    expect(results).toHaveLength(1);
    expect(emulator.rejectedEvents).toEqual([]);
  });

  it('answers once when a result was recorded but its response was lost (no blind SDK retry)', async () => {
    const { dir } = tempProject();
    emulator.failRequests({
      method: 'POST',
      path: /\/events$/,
      when: (body) => (body as { events: Array<{ type: string }> }).events[0]?.type === 'user.custom_tool_result',
      afterProcessing: true,
      status: 500,
    });
    const attach = startAttach(['--session', sessionId], dir, {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: emulator.url,
    });
    await attach.printed(/^attached/);
    await say('remember that the printer toner is in the cupboard');
    await attach.printed(/answered memory_retain/);
    attach.child.kill('SIGINT');
    expect((await attach.exited)[0]).toBe(0);
    const results = emulator.events(sessionId).filter((e) => e.type === 'user.custom_tool_result');
    expect(results).toHaveLength(1);
    expect(emulator.rejectedEvents).toEqual([]);
  });

  it('with --retain-transcript, retains the turns that end after it attached, as a conversation', async () => {
    const { dir, config } = tempProject();
    const turnEnded = async (text: string) => {
      const watch = await client.beta.sessions.events.stream(sessionId);
      await say(text);
      for await (const event of watch) {
        if (event.type === 'session.status_idle' && event.stop_reason.type === 'end_turn') break;
      }
    };
    // Said before attach started: not retained.
    await turnEnded('hello there, I am Ada');
    const attach = startAttach(['--json', '--session', sessionId, '--bank', 'home', '--retain-transcript'], dir, {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: emulator.url,
    });
    await attach.printed(/"event":"attached"/);
    await turnEnded('remember that the boiler is serviced in May');
    await attach.printed(/"event":"retained"/);
    await turnEnded('when is the boiler serviced?');
    await attach.printed(/"event":"retained".*\n.*"event":"retained"/s);
    attach.child.kill('SIGINT');
    expect((await attach.exited)[0]).toBe(0);

    const lines = attach
      .output()
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.event)).toEqual([
      'attached',
      'answered',
      'retained',
      'answered',
      'retained',
      'ended',
    ]);
    const brain = await Astrocyte.fromConfig(config);
    const conversation = (await brain.list('home')).items.filter((m) => m.speaker);
    expect(conversation.map((m) => [m.speaker, m.text, m.episode?.id])).toEqual([
      ['user', 'remember that the boiler is serviced in May', sessionId],
      ['agent', 'Noted: the boiler is serviced in May', sessionId],
      ['user', 'when is the boiler serviced?', sessionId],
      ['agent', expect.stringContaining('From memory:'), sessionId],
    ]);
    expect(lines.filter((line) => line.event === 'retained').flatMap((line) => line.memory_ids)).toEqual(
      conversation.map((m) => m.id),
    );
    expect((await brain.history('home', conversation[0]?.id as string))[0]?.actor).toBe(`managed-agents:${sessionId}`);
    await brain.close();
  });

  it('fails in one line for an unknown session or a missing key', async () => {
    const { dir } = tempProject();
    const unknown = await astrocyte(['attach', '--session', 'sesn_nope'], {
      cwd: dir,
      env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: emulator.url },
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^astrocyte: no session sesn_nope \(HTTP 404\) \(fix: check the --session id.*\)\n$/m,
    );

    const noKey = await astrocyte(['attach', '--session', sessionId], { cwd: dir, env: { ANTHROPIC_API_KEY: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toBe(
      'astrocyte: ANTHROPIC_API_KEY is not set (fix: export ANTHROPIC_API_KEY=<your key> and run attach again)\n',
    );
  });
});
