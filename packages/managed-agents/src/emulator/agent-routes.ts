import type { EmulatedAgent } from './emulated-session.js';
import { archive, bodyObject, found, type Reply, type Route } from './emulator-http.js';
import { invalidRequest, newId } from './emulator-ids.js';

type Params = Record<string, unknown>;

/** `client.beta.agents`: create, retrieve, archive. */
export function agentRoutes(agents: Map<string, EmulatedAgent>): Route[] {
  return [
    ['POST', /^\/v1\/agents$/, (_, body) => createAgent(agents, body)],
    ['GET', /^\/v1\/agents\/([^/]+)$/, ([id]) => found(agents.get(id as string), 'agent', id)],
    ['POST', /^\/v1\/agents\/([^/]+)\/archive$/, ([id]) => archive(agents.get(id as string), 'agent', id)],
  ];
}

function createAgent(agents: Map<string, EmulatedAgent>, body: unknown): Reply {
  const input = bodyObject(body);
  if (typeof input.name !== 'string' || input.name.length === 0) throw invalidRequest('name: is required');
  if (input.model === undefined) throw invalidRequest('model: is required');
  const tools = Array.isArray(input.tools) ? (input.tools as Params[]).map(resolveTool) : [];
  const now = new Date().toISOString();
  const agent: EmulatedAgent = {
    id: newId('agent'),
    type: 'agent',
    name: input.name,
    description: input.description ?? null,
    model: typeof input.model === 'string' ? { id: input.model } : input.model,
    system: input.system ?? null,
    tools,
    mcp_servers: input.mcp_servers ?? [],
    skills: input.skills ?? [],
    multiagent: input.multiagent ?? null,
    metadata: input.metadata ?? {},
    execution_identity: input.execution_identity ?? { type: 'service_account' },
    version: 1,
    archived_at: null,
    created_at: now,
    updated_at: now,
  };
  agents.set(agent.id, agent);
  return { status: 200, body: agent };
}

/** A tool as the platform returns it: toolsets with every default filled in (the SDK's response types). */
function resolveTool(tool: Params): EmulatedAgent['tools'][number] {
  if (tool?.type === 'custom') {
    if (typeof tool.name !== 'string' || typeof tool.input_schema !== 'object') {
      throw invalidRequest('tools: a custom tool needs a name and an input_schema');
    }
    return { type: 'custom', name: tool.name, description: tool.description ?? '', input_schema: tool.input_schema };
  }
  if (tool?.type === 'agent_toolset_20260401' || tool?.type === 'mcp_toolset') {
    const defaults = resolvePolicy((tool.default_config ?? {}) as Params);
    const configs = Array.isArray(tool.configs) ? (tool.configs as Params[]) : [];
    return {
      ...tool,
      type: tool.type,
      default_config: defaults,
      configs: configs.map((config) => ({
        ...config,
        ...resolvePolicy(config, defaults),
        ...(tool.type === 'agent_toolset_20260401' ? { type: config.name } : {}),
      })),
    };
  }
  throw invalidRequest(`tools: unknown tool type ${JSON.stringify(tool?.type)}`);
}

interface Policy {
  enabled: unknown;
  permission_policy: unknown;
}

function resolvePolicy(
  config: Params,
  defaults: Policy = { enabled: true, permission_policy: { type: 'always_allow' } },
): Policy {
  return {
    enabled: config.enabled ?? defaults.enabled,
    permission_policy: config.permission_policy ?? defaults.permission_policy,
  };
}
