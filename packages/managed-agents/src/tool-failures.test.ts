import { createSqliteBrain, type SqliteMemoryStore } from '@astrocyte/brain-sqlite';
import { ERROR_CODES } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { executeCustomTool } from './execute-custom-tool.js';
import { memoryRunnableTools } from './memory-runnable-tools.js';

// A failure whose message holds what must not leave the machine, as a store's can: a path, a user, another memory.
async function failingBrain() {
  const brain = await createSqliteBrain({ path: ':memory:' });
  (brain.store as SqliteMemoryStore).database.exec(
    `CREATE TRIGGER fail BEFORE INSERT ON memories BEGIN SELECT RAISE(ABORT, 'secret /srv/db user=admin'); END;`,
  );
  return brain;
}

describe('a memory tool that fails by the store', () => {
  it("answers a session's custom tool call with the failure's code only, and a bad input with its message", async () => {
    const brain = await failingBrain();
    const call = (input: unknown) =>
      executeCustomTool({ id: 'sevt_1', type: 'agent.custom_tool_use', name: 'memory_retain', input } as never, {
        brain,
        bankId: 'user-1',
      });
    expect(await call({ content: 'Lunch is at noon' })).toEqual({
      text: `storage_error: ${ERROR_CODES.storage_error}`,
      isError: true,
    });
    expect(await call({ text: 'Lunch is at noon' })).toMatchObject({
      text: expect.stringMatching(/^text: /),
      isError: true,
    });
    await brain.close();
  });

  it("throws to the SDK's tool runner the failure's code only, the store's error as its cause", async () => {
    const brain = await failingBrain();
    const retain = memoryRunnableTools(brain, { bankId: 'user-1' }).find((tool) => tool.name === 'memory_retain');
    const failed = await Promise.resolve(retain?.run({ content: 'Lunch is at noon' })).catch((error: Error) => error);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toBe(`storage_error: ${ERROR_CODES.storage_error}`);
    expect(((failed as Error).cause as Error).message).toContain('secret');
    await brain.close();
  });
});
