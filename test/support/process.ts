import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Compiles src/ to dist/ unless dist/ is already newer than every source, for tests that run the
 * real `npm start` entry point or the CLI. scripts/build.mjs holds a lock while it compiles, so
 * test files in parallel workers build once and never read a half-written dist/.
 */
export function buildDist(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export interface RunningShipwatch {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ExitedShipwatch {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A command that runs Shipwatch inside it, e.g. `['unshare', '--pid', '--fork', '--mount-proc',
 * '--kill-child']` for a process in a PID namespace of its own. Empty: Shipwatch itself.
 */
export type Launcher = readonly string[];

function spawnMain(env: Record<string, string>, launcher: Launcher): ChildProcess {
  const command = [
    ...launcher,
    process.execPath,
    '--import',
    './dist/src/instrumentation.js',
    'dist/src/main.js',
  ];
  return spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
  });
}

/** Starts `dist/src/main.js` and resolves once it logs where it listens. */
export function startShipwatch(
  env: Record<string, string>,
  timeoutMs = 60_000,
  launcher: Launcher = [],
): Promise<RunningShipwatch> {
  const proc = spawnMain(env, launcher);
  const logs: string[] = [];
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(`shipwatch did not start within ${timeoutMs} ms:\n${logs.join('\n')}\n${stderr}`),
      );
    }, timeoutMs);
    let buffered = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        const port = /"port":(\d+)/.exec(line)?.[1];
        if (port && line.includes('listening on')) {
          clearTimeout(timer);
          resolve({
            proc,
            url: `http://127.0.0.1:${port}`,
            logs,
            stop: (signal = 'SIGTERM') =>
              new Promise((done) => {
                // A process killed by a signal has exitCode null and signalCode set.
                if (proc.exitCode !== null || proc.signalCode !== null) return done(proc.exitCode);
                proc.once('exit', (code) => done(code));
                proc.kill(signal);
              }),
          });
        }
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`shipwatch exited with ${code} before listening:\n${logs.join('\n')}\n${stderr}`),
      );
    });
  });
}

/** Runs `dist/src/main.js` expecting it to exit on its own (a refused configuration). */
export function runShipwatchToExit(
  env: Record<string, string>,
  timeoutMs = 60_000,
  launcher: Launcher = [],
): Promise<ExitedShipwatch> {
  const proc = spawnMain(env, launcher);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`shipwatch did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
