import { describe, expect, it } from 'vitest';
import { isMemoryTool, memoryToolDefinitions } from './tool-definitions.js';

describe('memoryToolDefinitions', () => {
  it('gives retain, recall and reflect by default, forget only on request', () => {
    expect(memoryToolDefinitions().map((t) => t.name)).toEqual(['memory_retain', 'memory_recall', 'memory_reflect']);
    expect(memoryToolDefinitions({ includeReflect: false, includeForget: true }).map((t) => t.name)).toEqual([
      'memory_retain',
      'memory_recall',
      'memory_forget',
    ]);
  });

  it('refuses a choice that is not true or false, or an option it does not have, instead of offering forget', () => {
    expect(() => memoryToolDefinitions({ includeForget: 'false' as never })).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: 'includeForget: must be true or false, got "false"' }),
    );
    expect(() => memoryToolDefinitions({ includeReflect: 0 as never })).toThrow(
      /includeReflect: must be true or false/,
    );
    expect(() => memoryToolDefinitions({ includeForgot: true } as never)).toThrow(/includeForgot/);
  });

  it('has the custom tool shape the Managed Agents API takes, with no bank in any input', () => {
    for (const tool of memoryToolDefinitions({ includeForget: true })) {
      expect(tool.type).toBe('custom');
      expect(tool.description.length).toBeGreaterThan(20);
      expect(tool.input_schema.type).toBe('object');
      expect(Object.keys(tool.input_schema.properties).some((key) => key.includes('bank'))).toBe(false);
    }
    const [retain] = memoryToolDefinitions();
    retain?.input_schema.required.push('mutated');
    expect(memoryToolDefinitions()[0]?.input_schema.required).toEqual(['content']);
  });

  it('recognises exactly the four tool names', () => {
    expect(['memory_retain', 'memory_recall', 'memory_reflect', 'memory_forget'].every(isMemoryTool)).toBe(true);
    expect(isMemoryTool('memory_delete')).toBe(false);
    expect(isMemoryTool(undefined)).toBe(false);
  });
});
