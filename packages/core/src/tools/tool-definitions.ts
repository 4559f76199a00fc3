import { ValidationError } from '../errors.js';
import { checkKnownKeys, describeValue } from '../validation.js';

/** The names of the four memory tools. */
export const MEMORY_TOOL_NAMES = ['memory_retain', 'memory_recall', 'memory_reflect', 'memory_forget'] as const;
export type MemoryToolName = (typeof MEMORY_TOOL_NAMES)[number];

/** A custom tool definition as `client.beta.agents.create({ tools })` and the Messages API accept it. */
export interface MemoryToolDefinition {
  type: 'custom';
  name: MemoryToolName;
  description: string;
  input_schema: {
    type: 'object';
    properties: Record<string, unknown>;
    required: string[];
    additionalProperties: false;
  };
}

const commaListOrArray = (description: string) => ({
  description,
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
});

const DEFINITIONS: Record<MemoryToolName, MemoryToolDefinition> = {
  memory_retain: {
    type: 'custom',
    name: 'memory_retain',
    description:
      'Store a fact in long-term memory so it can be recalled in later conversations. Use it for durable facts: ' +
      'preferences, decisions, names, commitments. One fact per call. Personal data may be redacted or refused by policy.',
    input_schema: {
      type: 'object',
      properties: {
        content: { type: 'string', description: 'The fact to remember, as a self-contained sentence.' },
        tags: commaListOrArray('Optional tags, comma-separated (for example "preference, ui").'),
      },
      required: ['content'],
      additionalProperties: false,
    },
  },
  memory_recall: {
    type: 'custom',
    name: 'memory_recall',
    description:
      'Search long-term memory by relevance. Returns the most relevant memories with their ids, scores and dates. ' +
      'A score (0 to 1) says how well a memory matches the query: near 0 means memory holds nothing on it, only the nearest there is.',
    input_schema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What to look for, in natural language.' },
        max_results: {
          type: 'integer',
          minimum: 1,
          maximum: 100,
          default: 5,
          description: 'How many memories to return (1 to 100).',
        },
      },
      required: ['query'],
      additionalProperties: false,
    },
  },
  memory_reflect: {
    type: 'custom',
    name: 'memory_reflect',
    description:
      'Ask long-term memory a question and get an answer synthesized from the relevant memories, citing them.',
    input_schema: {
      type: 'object',
      properties: { query: { type: 'string', description: 'The question to answer from memory.' } },
      required: ['query'],
      additionalProperties: false,
    },
  },
  memory_forget: {
    type: 'custom',
    name: 'memory_forget',
    description: 'Delete specific memories by id (ids come from memory_recall). The deletion is permanent.',
    input_schema: {
      type: 'object',
      properties: {
        memory_ids: commaListOrArray('The ids of the memories to delete, comma-separated or as an array.'),
      },
      required: ['memory_ids'],
      additionalProperties: false,
    },
  },
};

/** Which memory tools to give an agent. */
export interface MemoryToolChoice {
  includeReflect?: boolean;
  includeForget?: boolean;
}

/**
 * The memory tools to give an agent; reflect is on and forget off unless asked. An option that is not true or false
 * is refused: `includeForget: "false"` (from an environment variable, say) would otherwise offer the forget tool.
 */
export function memoryToolDefinitions(options: MemoryToolChoice = {}): MemoryToolDefinition[] {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
  checkKnownKeys(options, ['includeReflect', 'includeForget'], '', 'an option of the memory tools');
  for (const [key, value] of Object.entries(options))
    if (value !== undefined && typeof value !== 'boolean')
      throw new ValidationError(key, `must be true or false, got ${describeValue(value)}`);
  const { includeReflect = true, includeForget = false } = options;
  return MEMORY_TOOL_NAMES.filter(
    (name) => (name !== 'memory_reflect' || includeReflect) && (name !== 'memory_forget' || includeForget),
  ).map((name) => structuredClone(DEFINITIONS[name]));
}

/** True when `name` is one of the four memory tools. */
export function isMemoryTool(name: unknown): name is MemoryToolName {
  return typeof name === 'string' && (MEMORY_TOOL_NAMES as readonly string[]).includes(name);
}
