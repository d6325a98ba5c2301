import { createHash } from 'node:crypto';
import {
  existsSync,
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
import { runMigrations } from '../../src/database/migrator.js';

/**
 * A migrated embedded database (a data directory as a tarball) that the Jest workers start their
 * in-memory PGlite databases from (test/support/jest/embedded-pool.mjs): an empty cluster
 * (initdb in WebAssembly) and the migrations cost about 3 s, loading this copy well under one.
 * Built once per set of migrations and PGlite version, in the system's temp directory, by
 * whichever worker needs it first; the migrations still run on every app start (they find
 * nothing to do), and the boot and migration tests start from empty directories. Returns the
 * file's path.
 */
export async function migratedTemplateFile(): Promise<string> {
  const file = join(tmpdir(), `${PREFIX}${fingerprint()}.tar`);
  if (!existsSync(file)) await build(file);
  return file;
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
