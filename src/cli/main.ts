#!/usr/bin/env node
/**
 * The `shipwatch` command (package.json "bin"). Reads SHIPWATCH_URL and SHIPWATCH_TOKEN; see
 * `shipwatch --help` and docs/getting-started.md. The only place of the CLI that touches the
 * process: everything else receives its context.
 */
import { runCli } from './cli.js';
import { COMMANDS, GROUPS } from './commands/index.js';
import { cliVersion } from './version.js';

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // First signal: finish the request in flight and stop cleanly; second: stop now.
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(
      `\nshipwatch: ${signal}: stopping after the current step (again to abort)\n`,
    );
    controller.abort();
  });
}

runCli(
  process.argv.slice(2),
  {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    now: () => new Date(),
    version: cliVersion(),
    signal: controller.signal,
  },
  COMMANDS,
  GROUPS,
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `shipwatch: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
