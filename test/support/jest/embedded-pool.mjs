// Plain JavaScript: loaded by the test environment (environment.mjs), outside the test transform
// and outside any test file's module registry, so that it lives as long as the Jest worker.
import { readFile } from 'node:fs/promises';

/**
 * The embedded databases (PGlite) of one Jest worker, lent to the test apps of every file it
 * runs. Starting one costs about 1.5 s of CPU (its WebAssembly compiled, a 40 MB data directory
 * loaded, a cold catalog cache), against about 0.1 s to empty one: a worker starts as many as
 * its files ever have open at once and empties them between apps (test/support/test-app.ts),
 * as it does its database on a real PostgreSQL. An app that is never closed keeps its database:
 * no other app is ever handed one still in use.
 */
const idle = new Map(); // template file -> started databases nobody holds
const started = [];

/**
 * @param {string} templateFile a migrated data directory (test/support/pglite-template.ts)
 * @returns {Promise<{ url: string, release(): void }>}
 */
export async function lendEmbedded(templateFile) {
  const free = idle.get(templateFile) ?? [];
  idle.set(templateFile, free);
  const db = free.pop() ?? (await start(templateFile));
  let held = true;
  return {
    url: db.url,
    release() {
      if (!held) return;
      held = false;
      free.push(db);
    },
  };
}

async function start(templateFile) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create({ loadDataDir: new Blob([await readFile(templateFile)]) });
  // Two connections: the last app's may still be closing when the next app connects.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  // Neither its listening socket nor a connection it served must keep the worker (or a
  // `--runInBand` run) alive at the end: PGLiteSocketServer keeps its net.Server in `server`.
  server.server.unref();
  server.server.on('connection', (socket) => socket.unref());
  started.push({ db, server });
  return { url: `postgres://postgres@${server.getServerConn()}/postgres` };
}

/**
 * Stops every database this process started (global-teardown.mjs: in a `--runInBand` run the
 * tests ran in Jest's own process, where PostgreSQL's timers would keep it alive).
 */
export async function stopLentEmbedded() {
  idle.clear();
  for (const { db, server } of started.splice(0)) {
    await server.stop();
    await db.close();
  }
}
