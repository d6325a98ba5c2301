import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * fs-native-extensions (Holepunch) takes an exclusive lock on an open file: on Linux an
 * open-file-description lock (`fcntl(F_OFD_SETLK)`), flock() on macOS, LockFileEx on Windows. It
 * ships prebuilt binaries (no install script, no compiler). Such a lock belongs to the kernel's
 * open file, not to a PID: it is taken atomically, conflicts across PID namespaces and containers
 * that share the volume, and is released when its holder closes the file or dies (kill -9
 * included).
 */
type NativeFs = { tryLock(fd: number): boolean };
/** Loaded on first use: processes on `memory://` never load the native binary. */
let nativeFs: NativeFs | undefined;
const loadNativeFs = (): NativeFs =>
  (nativeFs ??= createRequire(import.meta.url)('fs-native-extensions') as NativeFs);

export const LOCK_FILE = 'shipwatch.lock';

export class DataDirInUseError extends Error {}

/** An exclusive lock on `<dir>/shipwatch.lock`, held until release() or the process ends. */
export class DataDirLock {
  private constructor(
    private fd: number | undefined,
    readonly file: string,
  ) {}

  /**
   * Takes the lock or throws DataDirInUseError naming the directory and its holder. Never waits,
   * never takes a lock over: a lock whose holder died was already released by the kernel.
   */
  static acquire(dir: string): DataDirLock {
    const file = join(dir, LOCK_FILE);
    // No O_TRUNC: the holder's details stay readable until we hold the lock. libuv opens with
    // O_CLOEXEC, so a child process never inherits (and so never keeps) the lock.
    const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o644);
    let locked = false;
    try {
      locked = loadNativeFs().tryLock(fd);
    } finally {
      if (!locked) closeSync(fd);
    }
    if (!locked) {
      throw new DataDirInUseError(
        `the embedded database in ${dir} is in use by ${describeHolder(file)} (it holds ${file}); ` +
          'stop it, choose another SHIPWATCH_DATA_DIR, or set DATABASE_URL to share a PostgreSQL server between instances',
      );
    }
    // For people and error messages only: the lock, not this text, decides who holds the directory.
    const holder = `pid=${process.pid}\nhostname=${hostname()}\nsince=${new Date().toISOString()}\n`;
    ftruncateSync(fd, 0);
    writeSync(fd, holder, 0);
    return new DataDirLock(fd, file);
  }

  /** Releases the lock (closing the file releases it). The file stays: deleting it would race. */
  release(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    ftruncateSync(fd, 0);
    closeSync(fd);
  }
}

function describeHolder(file: string): string {
  let fields: Map<string, string>;
  try {
    fields = new Map(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string])
        .filter((pair) => pair.length === 2),
    );
  } catch {
    fields = new Map();
  }
  const pid = fields.get('pid');
  // Empty while the holder is between taking the lock and writing its details.
  if (!pid) return 'another process';
  const host = fields.get('hostname');
  const since = fields.get('since');
  return `process ${pid}${host ? ` on host ${host}` : ''}${since ? ` since ${since}` : ''}`;
}
