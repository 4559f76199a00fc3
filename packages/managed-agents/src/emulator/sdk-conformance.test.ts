import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  MANAGED_AGENTS_BETA,
  type ManagedAgentsEmulator,
  MEMORY_STORES_BETA,
  startManagedAgentsEmulator,
} from './index.js';
import { type AgentTurn, ThreadTerminated } from './scripted-agent.js';

/*
 * Holds what the emulator answers to the SDK's declared types: real responses and events, captured from the wire,
 * type-checked by the TypeScript compiler as literals assigned to the SDK types. Written against
 * @anthropic-ai/sdk 1.13 (resources/beta/{agents,environments,sessions}); it checks the installed version, so an SDK
 * upgrade that changes a shape fails here first.
 */

/** Every event type the emulator emits on its own (a script's `turn.emit` aside). */
const EMITTED_EVENT_TYPES = [
  'user.message',
  'user.interrupt',
  'user.tool_confirmation',
  'user.custom_tool_result',
  'agent.custom_tool_use',
  'agent.message',
  'agent.thinking',
  'agent.mcp_tool_use',
  'agent.mcp_tool_result',
  'agent.tool_use',
  'agent.tool_result',
  'session.error',
  'session.status_rescheduled',
  'session.status_running',
  'session.status_idle',
  'session.status_terminated',
  'session.thread_created',
  'session.thread_status_running',
  'session.thread_status_idle',
  'session.thread_status_terminated',
  'session.deleted',
];

/** A response body or event the emulator produced, and the SDK type it must satisfy. */
interface TypedSample {
  /** Where it came from, e.g. `POST /v1/sessions`, for the failure message. */
  label: string;
  /** A type expression over the namespaces imported below, e.g. `Sessions.BetaManagedAgentsSession`. */
  type: string;
  json: unknown;
}

const IMPORTS = `
import type * as Beta from '@anthropic-ai/sdk/resources/beta/beta';
import type * as Agents from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type * as Environments from '@anthropic-ai/sdk/resources/beta/environments/environments';
import type * as Sessions from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type * as Events from '@anthropic-ai/sdk/resources/beta/sessions/events';
import type * as MemoryStores from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-stores';
import type * as Memories from '@anthropic-ai/sdk/resources/beta/memory-stores/memories';
import type * as MemoryVersions from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-versions';
import type { BidirectionalPageCursorResponse, PageCursorResponse } from '@anthropic-ai/sdk/core/pagination';
`;

/**
 * Type-checks each sample, as a literal, against the installed SDK's declarations with the TypeScript compiler: the
 * assignment a user's typed code makes, so a missing or mistyped field, a literal outside its union, or a field the
 * type does not declare (excess property) is an error. Returns one message per error, naming the sample.
 */
function checkAgainstSdkTypes(samples: readonly TypedSample[]): string[] {
  // A virtual file beside this one: it resolves `@anthropic-ai/sdk` from this package, as an ES module.
  const fileName = join(dirname(fileURLToPath(import.meta.url)), '__sdk_type_check__.ts');
  const header = IMPORTS.trim().split('\n');
  const lines = samples.map(
    (sample, index) => `export const sample${index}: ${sample.type} = ${JSON.stringify(sample.json)};`,
  );
  const source = [...header, ...lines].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === fileName || fileExists.call(host, name);
  host.readFile = (name) => (name === fileName ? source : readFile.call(host, name));
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName);
  return ts.getPreEmitDiagnostics(program, file).map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const line =
      diagnostic.start === undefined ? -1 : (file?.getLineAndCharacterOfPosition(diagnostic.start).line ?? -1);
    const sample = samples[line - header.length];
    return sample ? `${sample.label} (${sample.type}): ${text}` : text;
  });
}

/** Every error type of a `session.error`, as the SDK's union lists them. */
const SESSION_ERROR_TYPES = [
  'unknown_error',
  'model_overloaded_error',
  'model_rate_limited_error',
  'model_request_failed_error',
  'mcp_connection_failed_error',
  'mcp_authentication_failed_error',
  'billing_error',
  'credential_host_unreachable_error',
  'tool_use_limit_reached_error',
  'compaction_limit_reached_error',
  'repository_authentication_error',
  'repository_forbidden_error',
  'repository_not_found_error',
  'repository_checkout_error',
  'repository_clone_error',
];

/** One turn per message, together producing every event type the emulator emits. */
async function scenario(turn: AgentTurn): Promise<void> {
  if (turn.message === 'tools') {
    turn.think();
    turn.say('working');
    await turn.useTool('bash', { command: 'ls' });
    await turn.useTool('search', { q: 'x' }, { mcpServer: 'docs' });
    await turn.batch([
      { kind: 'custom', name: 'lookup', input: { q: 'a' } },
      { kind: 'builtin', name: 'write', permission: 'ask' },
      { kind: 'builtin', name: 'deploy', permission: 'ask', mcpServer: 'ops' },
      { kind: 'builtin', name: 'edit', permission: 'deny' },
    ]);
    const helper = turn.subAgent('researcher');
    await helper.callTool('lookup');
    helper.finish();
    const doomed = turn.subAgent('doomed');
    const orphan = doomed.callTool('lookup').catch((error: unknown) => error);
    doomed.terminate();
    expect(await orphan).toBeInstanceOf(ThreadTerminated);
    for (const type of SESSION_ERROR_TYPES) turn.sessionError(type, 'retrying');
  } else if (turn.message === 'refuse') {
    turn.refuse({ category: 'cyber', explanation: 'refused' });
  } else if (turn.message === 'budget') {
    turn.exhaustBudget();
  } else if (turn.message === 'exhaust') {
    turn.sessionError('model_overloaded_error', 'exhausted');
  } else if (turn.message === 'stall') {
    await turn.stall();
  } else if (turn.message === 'terminate') {
    turn.terminate();
  } else if (turn.message === 'delete') {
    turn.deleteSession();
  }
}

const message = (text: string) => ({ type: 'user.message', content: [{ type: 'text', text }] });

type Json = Record<string, unknown> & { id: string };

/**
 * `api` sends a raw request to the emulator (beta header `beta` unless `headers` replace it); `check` sends one and
 * keeps its response as a sample of `type`.
 */
function wire(emulator: ManagedAgentsEmulator, samples: TypedSample[], beta: string) {
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers: { 'x-api-key': 'k', 'anthropic-beta': beta, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as Json;
  };
  const check = async (
    type: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => {
    const json = await api(method, path, body, headers);
    samples.push({ label: `${method} ${path}`, type, json });
    return json;
  };
  return { api, check };
}

describe("the emulator's responses and events, held to the SDK's types", () => {
  it('type-checks every endpoint and every event type it emits', async () => {
    const emulator = await startManagedAgentsEmulator({ agent: scenario });
    const samples: TypedSample[] = [];
    const { api, check } = wire(emulator, samples, MANAGED_AGENTS_BETA);
    const ofType = (sessionId: string, type: string) =>
      emulator
        .events(sessionId)
        .filter((event) => event.type === type)
        .map((event) => event.id);
    try {
      const agentType = 'Agents.BetaManagedAgentsAgent';
      const agent = await check(agentType, 'POST', '/v1/agents', {
        name: 'conformance',
        model: 'claude-sonnet-4-6',
        tools: [
          { type: 'agent_toolset_20260401', configs: [{ name: 'bash', permission_policy: { type: 'always_ask' } }] },
          { type: 'mcp_toolset', mcp_server_name: 'docs' },
          { type: 'custom', name: 'lookup', description: 'looks up', input_schema: { type: 'object' } },
        ],
        mcp_servers: [{ type: 'url', name: 'docs', url: 'https://docs.example/mcp' }],
      });
      await check(agentType, 'GET', `/v1/agents/${agent.id}`);

      const environmentType = 'Environments.BetaEnvironment';
      const environment = await check(environmentType, 'POST', '/v1/environments', {
        name: 'cloud',
        config: { type: 'cloud', networking: { type: 'limited' }, packages: { npm: ['left-pad'] } },
      });
      await check(environmentType, 'GET', `/v1/environments/${environment.id}`);
      const selfHosted = await check(environmentType, 'POST', '/v1/environments', {
        name: 'own',
        config: { type: 'self_hosted' },
      });
      await check(environmentType, 'POST', `/v1/environments/${selfHosted.id}/archive`);
      await check('Environments.BetaEnvironmentDeleteResponse', 'DELETE', `/v1/environments/${selfHosted.id}`);

      const store = await api('POST', '/v1/memory_stores', { name: 'Notes' }, { 'anthropic-beta': MEMORY_STORES_BETA });
      const sessionType = 'Sessions.BetaManagedAgentsSession';
      const newSession = () =>
        check(sessionType, 'POST', '/v1/sessions', {
          agent: agent.id,
          environment_id: environment.id,
          vault_ids: ['vlt_1'],
          budget: { type: 'limit', max_list_cost: { amount: '500', currency: 'USD' } },
          resources: [
            {
              type: 'github_repository',
              url: 'https://github.com/acme/shop',
              checkout: { type: 'branch', name: 'main' },
            },
            { type: 'file', file_id: 'file_1' },
            { type: 'memory_store', memory_store_id: store.id, instructions: 'check first' },
          ],
        });
      const session = await newSession();
      await check(sessionType, 'GET', `/v1/sessions/${session.id}`);
      await check(`BidirectionalPageCursorResponse<${sessionType}>`, 'GET', '/v1/sessions');

      const events = `/v1/sessions/${session.id}/events`;
      const sent = 'Events.BetaManagedAgentsSendSessionEvents';
      await check(sent, 'POST', events, { events: [message('tools')] });
      const [lookup] = ofType(session.id, 'agent.custom_tool_use');
      const [write] = ofType(session.id, 'agent.tool_use').slice(-2);
      const [deploy] = ofType(session.id, 'agent.mcp_tool_use').slice(-1);
      await check(sent, 'POST', events, {
        events: [
          { type: 'user.custom_tool_result', custom_tool_use_id: lookup, content: [{ type: 'text', text: 'a' }] },
          { type: 'user.tool_confirmation', tool_use_id: write, result: 'allow' },
          { type: 'user.tool_confirmation', tool_use_id: deploy, result: 'deny', deny_message: 'no' },
        ],
      });
      const threadCall = ofType(session.id, 'agent.custom_tool_use')[1];
      await check(sent, 'POST', events, {
        events: [{ type: 'user.custom_tool_result', custom_tool_use_id: threadCall, is_error: true }],
      });
      for (const text of ['refuse', 'budget', 'exhaust', 'stall', 'queued behind the stall']) {
        await check(sent, 'POST', events, { events: [message(text)] });
      }
      await check(sent, 'POST', events, { events: [{ type: 'user.interrupt' }] });
      await check(sent, 'POST', events, { events: [message('terminate')] });
      await check('PageCursorResponse<Events.BetaManagedAgentsSessionEvent>', 'GET', `${events}?limit=1000`);

      const deleted = await newSession();
      await api('POST', `/v1/sessions/${deleted.id}/events`, { events: [message('delete')] });
      const removed = await newSession();
      await check('Sessions.BetaManagedAgentsDeletedSession', 'DELETE', `/v1/sessions/${removed.id}`);
      await check(agentType, 'POST', `/v1/agents/${agent.id}/archive`);

      const emitted = [...emulator.events(session.id), ...emulator.events(deleted.id)];
      for (const event of emitted) {
        samples.push({
          label: `event ${event.type}`,
          type: 'Events.BetaManagedAgentsStreamSessionEvents',
          json: event,
        });
      }
      expect([...new Set(emitted.map((event) => event.type))].sort()).toEqual([...EMITTED_EVENT_TYPES].sort());

      const errorType = 'Beta.BetaErrorResponse';
      await check(errorType, 'GET', '/v1/sessions/sesn_missing');
      await check(errorType, 'POST', '/v1/agents', {});
      await check(errorType, 'GET', '/v1/agents', undefined, { 'x-api-key': '' });
    } finally {
      await emulator.close();
    }
    // A canary the checker must catch (an idle without its stop_details), so a check that passes is not vacuous.
    const canary = {
      label: 'canary',
      type: 'Events.BetaManagedAgentsSessionStatusIdleEvent',
      json: { type: 'session.status_idle', id: 'sevt_1', processed_at: 'now', stop_reason: { type: 'end_turn' } },
    };
    expect(checkAgainstSdkTypes([...samples, canary])).toEqual([expect.stringMatching(/^canary .*stop_details/s)]);
  });

  it('type-checks every memory-store endpoint, its 409s, and the file tools of a mounted store', async () => {
    const emulator = await startManagedAgentsEmulator({
      agent: async (turn) => {
        const root = turn.memoryMounts[0]?.mountPath as string;
        await turn.listMemoryFiles();
        await turn.readMemoryFile(`${root}/notes/today.md`);
        await turn.writeMemoryFile(`${root}/notes/agent.md`, 'written by the agent');
        await turn.deleteMemoryFile(`${root}/notes/agent.md`);
        await turn.readMemoryFile(`${root}/missing.md`);
      },
    });
    const samples: TypedSample[] = [];
    const { api, check } = wire(emulator, samples, MEMORY_STORES_BETA);
    try {
      const storeType = 'MemoryStores.BetaManagedAgentsMemoryStore';
      const store = await check(storeType, 'POST', '/v1/memory_stores', {
        name: 'Notes',
        description: 'team notes',
        metadata: { team: 'a' },
      });
      const stores = `/v1/memory_stores/${store.id}`;
      await check(storeType, 'GET', stores);
      await check(storeType, 'POST', stores, { name: 'Team notes', metadata: { team: null, owner: 'ada' } });
      const spare = await check(storeType, 'POST', '/v1/memory_stores', { name: 'spare' });
      await check(storeType, 'POST', `/v1/memory_stores/${spare.id}/archive`);
      await check(`PageCursorResponse<${storeType}>`, 'GET', '/v1/memory_stores?include_archived=true&limit=1');
      await check('MemoryStores.BetaManagedAgentsDeletedMemoryStore', 'DELETE', `/v1/memory_stores/${spare.id}`);

      const memoryType = 'Memories.BetaManagedAgentsMemory';
      const memory = await check(memoryType, 'POST', `${stores}/memories`, { path: '/notes/today.md', content: 'hi' });
      await check(memoryType, 'POST', `${stores}/memories?view=full`, { path: '/deep/a/b.md', content: 'b' });
      await check(memoryType, 'GET', `${stores}/memories/${memory.id}`);
      await check(memoryType, 'GET', `${stores}/memories/${memory.id}?view=basic`);
      const itemsType = 'PageCursorResponse<Memories.BetaManagedAgentsMemoryListItem>';
      await check(itemsType, 'GET', `${stores}/memories?depth=1&limit=1`);
      await check(itemsType, 'GET', `${stores}/memories?path_prefix=/deep/&view=full`);

      const errorType = "Omit<Beta.BetaErrorResponse, 'error'> & { error: Memories.BetaManagedAgentsErrorObject }";
      await check(errorType, 'POST', `${stores}/memories`, { path: '/notes', content: 'overlaps' });
      await check(errorType, 'POST', `${stores}/memories/${memory.id}`, {
        content: 'stale',
        precondition: { type: 'content_sha256', content_sha256: '0'.repeat(64) },
      });
      await check(errorType, 'DELETE', `${stores}/memories/${memory.id}?expected_content_sha256=${'0'.repeat(64)}`);
      await check(errorType, 'POST', `${stores}/memories`, { path: 'relative', content: 'x' });

      const agent = await api(
        'POST',
        '/v1/agents',
        { name: 'notes', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] },
        { 'anthropic-beta': MANAGED_AGENTS_BETA },
      );
      const environment = await api(
        'POST',
        '/v1/environments',
        { name: 'e' },
        { 'anthropic-beta': MANAGED_AGENTS_BETA },
      );
      const session = await check(
        'Sessions.BetaManagedAgentsSession',
        'POST',
        '/v1/sessions',
        {
          agent: agent.id,
          environment_id: environment.id,
          resources: [{ type: 'memory_store', memory_store_id: store.id, access: 'read_write' }],
        },
        { 'anthropic-beta': MANAGED_AGENTS_BETA },
      );
      await api(
        'POST',
        `/v1/sessions/${session.id}/events`,
        { events: [message('take notes')] },
        { 'anthropic-beta': MANAGED_AGENTS_BETA },
      );
      const fileEvents = emulator.events(session.id).filter((event) => event.type.startsWith('agent.tool_'));
      expect(fileEvents.map((event) => event.name ?? event.type)).toEqual([
        'glob',
        'agent.tool_result',
        'read',
        'agent.tool_result',
        'write',
        'agent.tool_result',
        'bash',
        'agent.tool_result',
        'read',
        'agent.tool_result',
      ]);
      for (const event of fileEvents) {
        samples.push({
          label: `event ${event.type}`,
          type: 'Events.BetaManagedAgentsStreamSessionEvents',
          json: event,
        });
      }

      await check(memoryType, 'POST', `${stores}/memories/${memory.id}`, { content: 'hello', path: '/notes/now.md' });
      const versionType = 'MemoryVersions.BetaManagedAgentsMemoryVersion';
      const versionsType = `PageCursorResponse<${versionType}>`;
      await check(versionsType, 'GET', `${stores}/memory_versions?view=full`);
      await check(versionsType, 'GET', `${stores}/memory_versions?session_id=${session.id}&limit=2`);
      await check(versionsType, 'GET', `${stores}/memory_versions?memory_id=${memory.id}&operation=created`);
      await check(versionType, 'GET', `${stores}/memory_versions/${memory.memory_version_id}`);
      await check(versionType, 'POST', `${stores}/memory_versions/${memory.memory_version_id}/redact`);
      await check(versionType, 'GET', `${stores}/memory_versions/${memory.memory_version_id}?view=basic`);
      await check('Memories.BetaManagedAgentsDeletedMemory', 'DELETE', `${stores}/memories/${memory.id}`);
      await check(versionsType, 'GET', `${stores}/memory_versions?memory_id=${memory.id}&view=full`);
      await check(storeType, 'POST', `${stores}/archive`);
    } finally {
      await emulator.close();
    }
    // A canary the checker must catch (a memory without its content_sha256), so a check that passes is not vacuous.
    const created = samples.find((sample) => sample.label.endsWith('/memories'))?.json as Record<string, unknown>;
    const { content_sha256: _, ...withoutHash } = created;
    const canary = { label: 'canary', type: 'Memories.BetaManagedAgentsMemory', json: withoutHash };
    expect(checkAgainstSdkTypes([...samples, canary])).toEqual([expect.stringMatching(/^canary .*content_sha256/s)]);
  });
});
