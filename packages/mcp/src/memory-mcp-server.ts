import {
  type AstrocyteContext,
  type Brain,
  handleMemoryTool,
  isServerFailure,
  type MemoryToolDefinition,
  memoryToolDefinitions,
  toolFailureText,
} from '@astrocyte/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { type CallToolResult, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { type MemoryMcpServerOptions, parseServerOptions } from './server-options.js';
import { ToolCallRequestSchema } from './tool-call-request.js';

const VERSION = '0.1.0';

// Hints for clients that show or gate tools; they never change what a call does.
const ANNOTATIONS: Record<MemoryToolDefinition['name'], NonNullable<Tool['annotations']>> = {
  memory_retain: {
    title: 'Remember a fact',
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  memory_recall: { title: 'Search memory', readOnlyHint: true, openWorldHint: false },
  memory_reflect: { title: 'Answer from memory', readOnlyHint: true, openWorldHint: false },
  memory_forget: {
    title: 'Delete memories',
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
};

/**
 * An MCP server exposing the memory tools of one bank, with the same input schemas and JSON results as the core
 * dispatcher. The bank comes from the options, never from the model; `memory_forget` is off unless enabled. Calls
 * run as `options.context.principal`: a denial, a rate limit or a quota comes back to the model as an error result.
 * Built on the low-level `Server` because `McpServer` would re-derive the schemas from zod instead of serving the
 * core definitions unchanged.
 */
export function createMemoryMcpServer(brain: Brain, options: MemoryMcpServerOptions): Server {
  const { bankId, includeForget, includeReflect, context, name, onToolError } = parseServerOptions(options);
  const definitions = memoryToolDefinitions({ includeForget, includeReflect });
  const enabled = new Set<string>(definitions.map((definition) => definition.name));
  const tools: Tool[] = definitions.map((definition) => ({
    name: definition.name,
    title: ANNOTATIONS[definition.name].title,
    description: definition.description,
    inputSchema: definition.input_schema as Tool['inputSchema'],
    annotations: ANNOTATIONS[definition.name],
  }));

  const server = new Server(
    { name, version: VERSION },
    {
      capabilities: { tools: { listChanged: false } },
      instructions:
        `Long-term memory for bank "${bankId}". Recall before answering questions about the user or past work; ` +
        'retain durable facts (preferences, decisions, names), one fact per call.',
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.setRequestHandler(ToolCallRequestSchema, async (request): Promise<CallToolResult> => {
    const { name: toolName, arguments: args } = request.params;
    if (!enabled.has(toolName)) {
      const hint = toolName === 'memory_forget' ? '; the server was started without forget enabled' : '';
      return errorResult(
        `tool "${toolName}" is not available on this server${hint}; available: ${[...enabled].join(', ')}`,
      );
    }
    try {
      const text = await handleMemoryTool(brain, toolName, args ?? {}, {
        bankId,
        context: contextFor(server, context),
      });
      return { content: [{ type: 'text', text }] };
    } catch (error) {
      // Tool failures go back to the model as results it can act on, not as protocol errors that end the call.
      if (isServerFailure(error)) onToolError?.(error, toolName);
      return errorResult(toolFailureText(error));
    }
  });
  return server;
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

// Version history records who acted: the configured actor, else the principal (the brain's default), else the MCP
// client that connected, by a name it chose: control characters and lone surrogates (which the brain refuses in an
// actor, failing every call over a name the model cannot change) become spaces, and a long name is cut.
function contextFor(server: Server, context: AstrocyteContext | undefined): AstrocyteContext {
  if (context?.actor || context?.principal) return context;
  const name =
    server
      .getClientVersion()
      ?.name.replace(/[\p{Cc}\p{Cs}]/gu, ' ')
      .trim() ?? '';
  // Cut by code points: a cut between the halves of a pair would leave a lone surrogate.
  const client = [...name].slice(0, CLIENT_NAME_LENGTH).join('');
  return { ...context, actor: client ? `mcp:${client}` : 'mcp' };
}

const CLIENT_NAME_LENGTH = 100;
