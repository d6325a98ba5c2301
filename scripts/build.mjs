#!/usr/bin/env node
// Compiles the server (tsconfig.build.json) into dist/. Plain JavaScript, so that it runs before
// anything is compiled.
//
//   node scripts/build.mjs             always compiles
//   node scripts/build.mjs --if-stale  compiles only when a source is newer than the last
//                                      successful build (what `npm start` does: a second start
//                                      needs no compiler)
//
// A lock directory keeps two builds (two `npm start`s, parallel test workers) from writing dist/
// at once: the second waits, then finds dist/ fresh.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');
const LOCK = join(ROOT, 'dist', '.build-lock');
/** What tsconfig.build.json compiles, and what decides how. Specs are not compiled. */
const SOURCES = ['src', 'migrations', 'scripts'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
const LOCK_STALE_MS = 10 * 60_000;

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.spec.ts')) newest = Math.max(newest, mtime(path) ?? 0);
    }
  };
  for (const dir of SOURCES) if (mtime(join(ROOT, dir)) !== undefined) walk(join(ROOT, dir));
  for (const file of CONFIGS) newest = Math.max(newest, mtime(join(ROOT, file)) ?? 0);
  return newest;
}

/** True when dist/ holds a successful build at least as new as every source. */
export function isFresh() {
  const built = mtime(STAMP);
  return built !== undefined && built >= newestSource();
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock(work) {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const since = mtime(LOCK);
      // A build that died holding the lock: take it over.
      if (since !== undefined && Date.now() - since > LOCK_STALE_MS)
        rmSync(LOCK, { force: true, recursive: true });
      else sleep(200);
    }
  }
  try {
    return work();
  } finally {
    rmSync(LOCK, { force: true, recursive: true });
  }
}

export function build({ ifStale = false } = {}) {
  if (ifStale && isFresh()) return false;
  return withLock(() => {
    if (ifStale && isFresh()) return false; // built by whoever held the lock
    const started = Date.now();
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    // The stamp takes the time the build started: a source saved during the build is newer.
    writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
    utimesSync(STAMP, new Date(started), new Date(started));
    return true;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  const built = build({ ifStale });
  if (!built)
    console.error('dist/ is up to date with the sources: not rebuilding (npm run build forces it)');
}
