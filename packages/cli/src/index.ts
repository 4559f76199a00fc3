export { type AttachOptions, type AttachResult, attachToSession } from './attach-session.js';
export { describeError, EXIT, IncompleteError, UsageError } from './cli-errors.js';
export type { CliIo, GlobalOptions } from './cli-session.js';
export { CONFIG_TEMPLATE } from './config-template.js';
export { type ExportOptions, exportMemories } from './export-memories.js';
export { type ImportOptions, type ImportProblem, type ImportSummary, importMemories } from './import-memories.js';
export { lineToItem, type MemoryLine, memoryToLine } from './memory-json.js';
export { CLI_VERSION, createProgram } from './program.js';
export { runCli } from './run-cli.js';
