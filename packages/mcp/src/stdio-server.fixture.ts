// A stdio MCP server over an in-memory brain, spawned by the stdio transport tests as a real child process.
import { Astrocyte } from '@astrocyte/core';
import { serveStdio } from './serve-stdio.js';

const maxContentLength = process.env.ASTROCYTE_TEST_MAX_CONTENT_LENGTH;
const brain = await Astrocyte.fromConfigObject({
  storage: { backend: 'memory' },
  ...(maxContentLength ? { limits: { max_content_length: Number(maxContentLength) } } : {}),
});
const running = await serveStdio(brain, {
  bankId: process.env.ASTROCYTE_TEST_BANK ?? 'stdio-test',
  includeForget: true,
  onError: (error) => process.stderr.write(`dropped: ${error.message}\n`),
});
await running.closed;
await brain.close();
