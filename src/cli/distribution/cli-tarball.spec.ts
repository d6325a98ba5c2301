import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPackage, findCompiledCli, tarGz } from './cli-tarball.js';

describe('the CLI tarball', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sw-tarball-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is a gzipped ustar archive that tar extracts byte for byte', () => {
    const big = Buffer.alloc(1500, 'x');
    writeFileSync(
      join(dir, 'a.tgz'),
      tarGz([
        { path: 'package/a.txt', content: Buffer.from('hello\n') },
        { path: 'package/dir/big.bin', content: big, mode: 0o755 },
      ]),
    );
    execFileSync('tar', ['-xzf', 'a.tgz'], { cwd: dir });
    expect(readFileSync(join(dir, 'package/a.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(dir, 'package/dir/big.bin'))).toEqual(big);
    expect(statSync(join(dir, 'package/dir/big.bin')).mode & 0o777).toBe(0o755);
  });

  it('packages the compiled CLI with a package.json whose bin runs it', () => {
    const cli = join(dir, 'dist', 'src', 'cli');
    mkdirSync(join(cli, 'commands'), { recursive: true });
    mkdirSync(join(cli, 'distribution'), { recursive: true });
    mkdirSync(join(dir, 'dist', 'src', 'config'), { recursive: true });
    writeFileSync(
      join(cli, 'main.js'),
      "#!/usr/bin/env node\nimport { v } from '../config/version.js';\nimport { x } from './commands/x.js';\nconsole.log(v, x);\n",
    );
    writeFileSync(join(cli, 'main.js.map'), '{}');
    writeFileSync(join(cli, 'commands', 'x.js'), "export const x = 'ok';\n");
    writeFileSync(join(cli, 'distribution', 'server-only.js'), 'throw new Error();\n');
    writeFileSync(join(dir, 'dist', 'src', 'config', 'version.js'), "export const v = '1.2.3';\n");
    expect(findCompiledCli(join(cli, 'distribution'))).toBe(cli);

    writeFileSync(join(dir, 'cli.tgz'), cliPackage(cli, '1.2.3'));
    const out = join(dir, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', join(dir, 'cli.tgz')], { cwd: out });
    const pkg = JSON.parse(readFileSync(join(out, 'package', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg).toMatchObject({
      name: 'shipwatch',
      version: '1.2.3',
      type: 'module',
      bin: { shipwatch: 'src/cli/main.js' },
    });
    expect(pkg.dependencies).toBeUndefined();
    const listing = execFileSync('tar', ['-tzf', join(dir, 'cli.tgz')])
      .toString()
      .trim()
      .split('\n')
      .sort();
    expect(listing).toEqual([
      'package/package.json',
      'package/src/cli/commands/x.js',
      'package/src/cli/main.js',
      'package/src/config/version.js',
    ]);
    expect(
      execFileSync(process.execPath, [join(out, 'package', 'src', 'cli', 'main.js')]).toString(),
    ).toBe('1.2.3 ok\n');
  });
});
