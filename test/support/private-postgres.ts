import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/demo/prometheus-process.js';

const run = promisify(execFile);

/** Servers still running when the test process exits are stopped (immediate mode). */
const running = new Set<PrivatePostgres>();
process.once('exit', () => {
  for (const server of running) server.stopSync();
});

/** The newest PostgreSQL server binaries installed by Debian packages (initdb, pg_ctl). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `no PostgreSQL server binaries under ${root}/*/bin (apt-get install postgresql)`,
    );
  }
  return join(root, versions[0], 'bin');
}

/**
 * A PostgreSQL server of the test's own, in a temporary directory on a free loopback port, that
 * the test may stop and start at will without touching the machine's shared server. initdb and
 * pg_ctl refuse to run as root, so as root they run as the `postgres` OS user.
 */
export class PrivatePostgres {
  private constructor(
    private readonly root: string,
    private readonly bin: string,
    readonly port: number,
  ) {}

  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.root, 'data');
  }

  static async create(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    const root = mkdtempSync(join(tmpdir(), 'shipwatch-pg-'));
    const server = new PrivatePostgres(root, bin, await freePort());
    try {
      if (userInfo().uid === 0) {
        const { stdout } = await run('id', ['-u', 'postgres']);
        const { stdout: gid } = await run('id', ['-g', 'postgres']);
        chownSync(root, Number(stdout.trim()), Number(gid.trim()));
      }
      await server.pg('initdb', [
        '-D',
        server.dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '--no-sync',
        '-E',
        'UTF8',
      ]);
      await server.start();
      running.add(server);
      return server;
    } catch (error) {
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.root}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c max_connections=50',
    ].join(' ');
    await this.pg('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.root, 'server.log'),
      '-o',
      options,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /**
   * Stops the server: `fast` ends every session and checkpoints (a clean restart), `immediate`
   * aborts without a checkpoint (what a crash looks like; recovery replays the WAL on start).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** The server log, for failure messages. */
  log(): string {
    const file = join(this.root, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Stops the server if it runs and deletes its directory. */
  async destroy(): Promise<void> {
    running.delete(this);
    try {
      if (existsSync(join(this.dataDir, 'postmaster.pid'))) await this.stop('immediate');
    } finally {
      rmSync(this.root, { recursive: true, force: true });
    }
  }

  /** For the exit hook: stop without waiting on the event loop, ignore failures. */
  stopSync(): void {
    try {
      if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
      const [file, argv] = this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']);
      execFileSync(file, argv, { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // best effort
    } finally {
      rmSync(this.root, { recursive: true, force: true });
    }
  }

  private command(tool: 'initdb' | 'pg_ctl', args: string[]): [string, string[]] {
    const binary = join(this.bin, tool);
    return userInfo().uid === 0
      ? ['runuser', ['-u', 'postgres', '--', binary, ...args]]
      : [binary, args];
  }

  private async pg(tool: 'initdb' | 'pg_ctl', args: string[]): Promise<void> {
    const [file, argv] = this.command(tool, args);
    try {
      await run(file, argv, { cwd: this.root, timeout: 120_000 });
    } catch (error) {
      const e = error as Error & { stderr?: string; stdout?: string };
      throw new Error(
        `${tool} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${this.log()}`,
      );
    }
  }
}
