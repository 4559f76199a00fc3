import { runSpeedCase, type SpeedCaseOptions } from './speed-case.js';

// Runs one speed case in a process of its own, so that its peak memory is its own and no case warms the next;
// the options arrive as JSON in argv and the result goes back over the IPC channel.
const options = JSON.parse(process.argv[2] as string) as SpeedCaseOptions;
runSpeedCase(options).then(
  (result) => {
    process.send?.({ ok: true, result });
    process.disconnect?.();
  },
  (error: unknown) => {
    process.send?.({ ok: false, error: (error as Error)?.stack ?? String(error) });
    process.disconnect?.();
    process.exitCode = 1;
  },
);
