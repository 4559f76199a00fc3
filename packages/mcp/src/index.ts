export { createMemoryMcpServer } from './memory-mcp-server.js';
export { type HttpServeOptions, type RunningHttpServer, serveHttp } from './serve-http.js';
export { type RunningStdioServer, serveStdio } from './serve-stdio.js';
export type { MemoryMcpServerOptions } from './server-options.js';
