/**
 * Runs the built `shipwatch` CLI (dist/src/cli/main.js) as a real process, the way a CI step
 * does: its own environment, working directory, exit code, stdout and stderr.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { buildDist } from '../support/process.js';

export const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * The CLI is compiled with the rest of dist/, once, by the first test file that needs it: a
 * separate compile of src/cli would rewrite files another worker's test may be running.
 */
export function buildCli(): void {
  buildDist();
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a CI step: PATH only (no CI variables leak in from the test runner). */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function spawnCli(
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string },
): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd ?? ROOT, env: options.env });
}

export function runCli(
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string; timeoutMs?: number },
): Promise<CliRun> {
  const child = spawnCli(args, options);
  return collect(child, options.timeoutMs ?? 120_000);
}

export function collect(child: ChildProcess, timeoutMs = 120_000): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A git repository with commits, as a CI checkout. */
export function gitRepo(dir: string) {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'dev',
    GIT_AUTHOR_EMAIL: 'dev@example.com',
    GIT_COMMITTER_NAME: 'dev',
    GIT_COMMITTER_EMAIL: 'dev@example.com',
  };
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: dir, env }).toString().trim();
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', 'https://github.com/acme/shop.git');
  let n = 0;
  return {
    git,
    /** Adds a commit dated `at` and returns its SHA. */
    commit(message: string, at: string): string {
      n++;
      execFileSync('sh', ['-c', `echo ${n} > file.txt`], { cwd: dir });
      git('add', 'file.txt');
      execFileSync('git', ['commit', '-q', '-m', message], {
        cwd: dir,
        env: { ...env, GIT_AUTHOR_DATE: at, GIT_COMMITTER_DATE: at },
      });
      return git('rev-parse', 'HEAD');
    },
  };
}

/** A loopback URL nothing listens on. */
export async function closedUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
