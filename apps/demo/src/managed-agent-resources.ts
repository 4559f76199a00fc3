import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '@astrocyte/core';
import { memoryToolDefinitions } from '@astrocyte/managed-agents';

/** The memory tools the demo's agent is given, and its runner answers: the same options for both, so they agree. */
export const MEMORY_TOOLS = { includeReflect: true, includeForget: true } as const;

/** The ids the demo creates once on the Managed Agents API and reuses on every run. */
export interface ManagedAgentIds {
  agentId?: string;
  environmentId?: string;
  /** One session per bank, so each bank's conversation stays with its memories. */
  sessions: Record<string, string>;
}

/** What the agent is created with; the tools are the built-in toolset plus the four memory tools. */
export interface AgentSpec {
  model: string;
  name: string;
  system: string;
}

/** The instructions the demo's agent is created with. */
export const DEMO_SYSTEM_PROMPT =
  'You are a helpful assistant with long-term memory, shown in a demo of Astrocyte. ' +
  'When the user tells you something worth keeping, store it with memory_retain. ' +
  'Before answering a question about the user or the past, search with memory_recall (or memory_reflect for a ' +
  'summary). When asked to forget something, find it with memory_recall and delete it with memory_forget. ' +
  'Keep answers short.';

/**
 * Creates the agent, the environment and one session per bank on first use and reuses them afterwards.
 * With `stateFile` the ids survive restarts; an id the API no longer knows is replaced by a new resource.
 */
export class ManagedAgentResources {
  private ids: ManagedAgentIds;
  private pending = new Map<string, Promise<string>>();

  constructor(
    private readonly client: Anthropic,
    private readonly spec: AgentSpec,
    private readonly stateFile?: string,
  ) {
    this.ids = stateFile && existsSync(stateFile) ? readIds(stateFile) : { sessions: {} };
  }

  /** The session for `bankId`, creating it (and the agent and environment) when needed. */
  sessionFor(bankId: string): Promise<string> {
    // Two turns arriving at once for a new bank must share one session.
    let session = this.pending.get(bankId);
    if (!session) {
      session = this.resolveSession(bankId).finally(() => this.pending.delete(bankId));
      this.pending.set(bankId, session);
    }
    return session;
  }

  private async resolveSession(bankId: string): Promise<string> {
    const known = this.ids.sessions[bankId];
    if (known) {
      const session = await this.retrieveOrNull(() => this.client.beta.sessions.retrieve(known));
      if (session && session.status !== 'terminated') return known;
    }
    const agentId = await this.agentId();
    const environmentId = await this.environmentId();
    const session = await this.client.beta.sessions.create({
      agent: agentId,
      environment_id: environmentId,
      title: `Astrocyte demo, bank ${bankId}`,
      metadata: { astrocyte_bank: bankId },
    });
    this.ids.sessions[bankId] = session.id;
    this.save();
    return session.id;
  }

  private async agentId(): Promise<string> {
    const known = this.ids.agentId;
    if (known && (await this.retrieveOrNull(() => this.client.beta.agents.retrieve(known)))) return known;
    const agent = await this.client.beta.agents.create({
      name: this.spec.name,
      model: this.spec.model,
      system: this.spec.system,
      tools: [{ type: 'agent_toolset_20260401' }, ...memoryToolDefinitions(MEMORY_TOOLS)],
    });
    this.ids = {
      agentId: agent.id,
      sessions: {},
      ...(this.ids.environmentId ? { environmentId: this.ids.environmentId } : {}),
    };
    this.save();
    return agent.id;
  }

  private async environmentId(): Promise<string> {
    const known = this.ids.environmentId;
    if (known && (await this.retrieveOrNull(() => this.client.beta.environments.retrieve(known)))) return known;
    const environment = await this.client.beta.environments.create({
      name: 'astrocyte-demo',
      config: { type: 'cloud', networking: { type: 'unrestricted' } },
    });
    this.ids.environmentId = environment.id;
    this.save();
    return environment.id;
  }

  private async retrieveOrNull<T>(retrieve: () => PromiseLike<T>): Promise<T | null> {
    try {
      return await retrieve();
    } catch (error) {
      if (error instanceof Anthropic.NotFoundError) return null;
      throw error;
    }
  }

  private save(): void {
    if (!this.stateFile) return;
    // Write then rename, so a crash never leaves half a file that the next run cannot parse.
    const temporary = `${this.stateFile}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.ids, null, 2)}\n`);
    renameSync(temporary, this.stateFile);
  }
}

function readIds(file: string): ManagedAgentIds {
  let parsed: Partial<ManagedAgentIds>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ManagedAgentIds>;
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON; delete it and the demo creates a new agent and sessions`, {
      cause: error,
    });
  }
  return {
    ...(typeof parsed.agentId === 'string' ? { agentId: parsed.agentId } : {}),
    ...(typeof parsed.environmentId === 'string' ? { environmentId: parsed.environmentId } : {}),
    sessions: typeof parsed.sessions === 'object' && parsed.sessions !== null ? parsed.sessions : {},
  };
}
