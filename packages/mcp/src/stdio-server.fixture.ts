// A stdio MCP server over an in-memory brain, spawned by the stdio transport test as a real child process.
import { Astrocyte } from '@astrocyte/core';
import { serveStdio } from './serve-stdio.js';

const brain = await Astrocyte.fromConfigObject({ storage: { backend: 'memory' } });
const running = await serveStdio(brain, {
  bankId: process.env.ASTROCYTE_TEST_BANK ?? 'stdio-test',
  includeForget: true,
});
await running.closed;
await brain.close();
