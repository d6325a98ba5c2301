import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase } from '../../src/database/data-source.js';
import { clusterDirOf } from '../../src/database/embedded-postgres.js';
import { runMigrations } from '../../src/database/migrator.js';

/**
 * A migrated embedded database (a data directory as a tarball) that the Jest workers start their
 * in-memory PGlite databases from (test/support/jest/embedded-pool.mjs): an empty cluster
 * (initdb in WebAssembly) and the migrations cost about 3 s, loading this copy well under one.
 * Built once per set of migrations and PGlite version, in the system's temp directory, by
 * whichever worker needs it first; the migrations still run on every app start (they find
 * nothing to do); seededDataDir() unpacks it for built servers, and the first-boot and migration
 * tests start from empty directories. Returns the file's path.
 */
export async function migratedTemplateFile(): Promise<string> {
  const file = join(tmpdir(), `${PREFIX}${fingerprint()}.tar`);
  if (!existsSync(file)) await build(file);
  return file;
}

/**
 * A new embedded data directory (for SHIPWATCH_DATA_DIR) that already holds the migrated
 * database, for tests of a process on its data rather than of its first boot: a built server
 * starts on it in about 3 CPU-seconds instead of 7 on an empty one (initdb and every migration in
 * WebAssembly), and a test app opening it skips both as well. The template is a tarball of the
 * cluster, so `tar` unpacks it in a fraction of a second. The caller removes the directory.
 */
export async function seededDataDir(prefix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cluster = clusterDirOf(dir);
  mkdirSync(cluster);
  execFileSync('tar', ['-xf', await migratedTemplateFile(), '-C', cluster], { stdio: 'ignore' });
  return dir;
}

const PREFIX = 'shipwatch-test-pglite-';
const root = join(import.meta.dirname, '..', '..');

/** The migrations' sources and PGlite's version: a change to either builds a new copy. */
function fingerprint(): string {
  const hash = createHash('sha256');
  const pglite = join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json');
  hash.update((JSON.parse(readFileSync(pglite, 'utf8')) as { version: string }).version);
  const dir = join(root, 'migrations');
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.ts')) hash.update(name).update(readFileSync(join(dir, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(file: string): Promise<void> {
  const db = await openDatabase({
    databaseUrl: undefined,
    dataDir: 'memory://',
    databasePoolSize: 1,
  });
  let tar: Buffer;
  try {
    await runMigrations(db.dataSource);
    await db.dataSource.destroy();
    tar = Buffer.from(await (await db.embedded!.dump()).arrayBuffer());
  } finally {
    await closeDatabase(db);
  }
  // Written aside and renamed: a worker reading it meanwhile sees the whole file or none.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, tar);
  renameSync(partial, file);
  // Copies for other migrations a day old: no run of another checkout is still reading them.
  for (const name of readdirSync(tmpdir())) {
    const path = join(tmpdir(), name);
    if (name.startsWith(PREFIX) && path !== file && statSync(path).mtimeMs < Date.now() - DAY_MS) {
      rmSync(path, { force: true });
    }
  }
}

const DAY_MS = 24 * 3600 * 1000;
