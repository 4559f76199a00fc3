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
