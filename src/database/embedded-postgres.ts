import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export class DataDirInUseError extends Error {}

/**
 * Real PostgreSQL compiled to WASM (PGlite), served on a loopback socket so that the app talks
 * to it through the same `pg` driver, SQL and migrations as to a real server. PGlite is one
 * backend: the socket server admits one connection and the pool holds exactly one.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    private readonly lockFile: string | undefined,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const inMemory = dataDir.startsWith('memory://');
    const dir = inMemory ? undefined : resolve(dataDir);
    let lockFile: string | undefined;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      lockFile = acquireLock(dir);
    }
    try {
      const db = await PGlite.create(dir ? join(dir, 'pg') : 'memory://');
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
      await server.start();
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      return new EmbeddedPostgres(db, server, url, lockFile);
    } catch (error) {
      if (lockFile) rmSync(lockFile, { force: true });
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    if (this.lockFile) rmSync(this.lockFile, { force: true });
  }
}

/** One process per data directory: PGlite has no shared-memory coordination between processes. */
function acquireLock(dir: string): string {
  const file = join(dir, 'shipwatch.pid');
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readFileSync(file, 'utf8'));
  if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
    throw new DataDirInUseError(
      `the embedded database in ${dir} is in use by process ${holder}; ` +
        'stop it, choose another SHIPWATCH_DATA_DIR, or set DATABASE_URL to share a PostgreSQL server between instances',
    );
  }
  // A stale lock from a process that died (kill -9): take it over.
  writeFileSync(file, String(process.pid));
  return file;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
