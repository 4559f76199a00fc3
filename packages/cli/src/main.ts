// The entry point of the `astrocyte` command.
import { runCli } from './run-cli.js';

// exitCode, not exit(): a pipe may still hold output that exit() would cut off.
process.exitCode = await runCli(process.argv.slice(2));
