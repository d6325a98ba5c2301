/**
 * The CLI as an npm-installable tarball, so that any CI runner with Node.js installs exactly the
 * CLI of the server it talks to:  npm install -g "$SHIPWATCH_URL/cli/shipwatch.tgz"
 *
 * The CLI has no dependencies: the tarball holds a package.json and the compiled files of
 * dist/src/cli (plus src/config/version.js, which it imports). Written with a minimal ustar
 * writer and gzip; pure apart from reading the files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  /** Path inside the archive, e.g. package/src/cli/main.js. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode?: number;
}

function header(entry: TarEntry, mtime: number): Buffer {
  const h = Buffer.alloc(512, 0);
  const put = (value: string, offset: number, length: number): void => {
    h.write(value.slice(0, length), offset, 'utf8');
  };
  const octal = (n: number, length: number): string =>
    `${n.toString(8).padStart(length - 1, '0')}\0`;
  if (Buffer.byteLength(entry.path) > 100) throw new Error(`tar path too long: ${entry.path}`);
  put(entry.path, 0, 100);
  put(octal(entry.mode ?? 0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(entry.content.length, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  put('        ', 148, 8); // checksum placeholder: spaces
  put('0', 156, 1); // regular file
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** A gzipped ustar archive of the entries. */
export function tarGz(entries: readonly TarEntry[], mtime = 0): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    blocks.push(header(entry, mtime), entry.content);
    const pad = (512 - (entry.content.length % 512)) % 512;
    if (pad > 0) blocks.push(Buffer.alloc(pad, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return gzipSync(Buffer.concat(blocks));
}

/** Where the compiled CLI is: next to this file in dist/, or dist/ beside src/ when run from source. */
export function findCompiledCli(here: string): string | null {
  for (const dir of [join(here, '..'), join(here, '..', '..', '..', 'dist', 'src', 'cli')]) {
    try {
      if (statSync(join(dir, 'main.js')).isFile()) return dir;
    } catch {
      // not here
    }
  }
  return null;
}

function listJs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return listJs(path);
    return e.isFile() && e.name.endsWith('.js') && !e.name.endsWith('.spec.js') ? [path] : [];
  });
}

/** The npm package of the CLI compiled in `cliDir` (dist/src/cli). */
export function cliPackage(cliDir: string, version: string): Buffer {
  const srcDir = join(cliDir, '..');
  const files = [
    ...listJs(cliDir).filter((f) => !relative(cliDir, f).startsWith(`distribution`)),
    join(srcDir, 'config', 'version.js'),
  ];
  const pkg = {
    name: 'shipwatch',
    version,
    description:
      'The shipwatch CLI: report deployments, runs, changes and incidents; gate CI on release verdicts',
    license: 'Apache-2.0',
    type: 'module',
    engines: { node: '>=20.19' },
    bin: { shipwatch: 'src/cli/main.js' },
  };
  const entries: TarEntry[] = [
    { path: 'package/package.json', content: Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`) },
    ...files.map((f) => ({
      path: `package/src/${relative(srcDir, f)}`,
      content: readFileSync(f),
      mode: f.endsWith('main.js') ? 0o755 : 0o644,
    })),
  ];
  return tarGz(entries);
}
