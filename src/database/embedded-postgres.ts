import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataDirLock } from './data-dir-lock.js';

/** Where PGlite keeps the cluster (PGDATA) inside an embedded data directory (SHIPWATCH_DATA_DIR). */
export function clusterDirOf(dataDir: string): string {
  return join(resolve(dataDir), 'pg');
}

/**
 * Real PostgreSQL compiled to WASM (PGlite), served on a loopback socket so that the app talks
 * to it through the same `pg` driver, SQL and migrations as to a real server. PGlite is one
 * backend: the socket server admits one connection and the pool holds exactly one. PGlite has no
 * coordination between processes, so a data directory serves one process: the one holding its
 * DataDirLock.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    private readonly lock: DataDirLock | undefined,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const inMemory = dataDir.startsWith('memory://');
    const dir = inMemory ? undefined : resolve(dataDir);
    let lock: DataDirLock | undefined;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      lock = DataDirLock.acquire(dir);
    }
    let db: PGlite | undefined;
    try {
      db = dir ? await PGlite.create(clusterDirOf(dir)) : await PGlite.create();
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
      await server.start();
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      return new EmbeddedPostgres(db, server, url, lock);
    } catch (error) {
      await db?.close().catch(() => undefined);
      lock?.release();
      throw error;
    }
  }

  /** The whole data directory as a tarball (PGlite's `loadDataDir` starts a copy from it). */
  async dump(): Promise<Blob> {
    await this.db.exec('CHECKPOINT');
    return this.db.dumpDataDir('none');
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    this.lock?.release();
  }
}
