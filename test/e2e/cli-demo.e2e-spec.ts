/**
 * `npm run demo` end to end: the built demo (dist/scripts/demo.js) runs by itself and exits 0
 * after showing the good release verified, the bad one failed and rolled back, the rollback
 * verified, and the DORA report; once with a real Prometheus, once with the labelled simulator.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildDist } from '../support/process.js';
import { collect, ROOT } from './cli-process.js';

function runDemo(args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'scripts', 'demo.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
  });
  return collect(child, 170_000);
}

describe('npm run demo', () => {
  beforeAll(() => {
    buildDist();
  });

  it.each([
    [[], 'real Prometheus on http://127.0.0.1:'],
    [['--simulated-signals'], 'SIMULATED SIGNALS: --simulated-signals given'],
  ])('%j: finishes by itself with the whole loop shown (%s)', async (args, signals) => {
    const { code, stdout, stderr } = await runDemo(args);
    expect(stderr).not.toContain('demo failed');
    expect(stdout).toContain(signals);
    expect(stdout).toMatch(
      /imported .*history\.ndjson: [\d,]+ lines; this run: accepted [\d,]+, duplicate 0, rejected 0/,
    );
    expect(stdout).toContain('checkout 1.1.0 in production: HEALTHY');
    expect(stdout).toContain('exit code 0: the pipeline goes on');
    expect(stdout).toContain('checkout 1.2.0 in production: FAILED');
    expect(stdout).toMatch(/rollback requested at \d{4}-/);
    expect(stdout).toContain(
      'exit code 1: the release failed verification, the pipeline stops here',
    );
    expect(stdout).toMatch(/Evidence of tick \d+ \(bad\/total events\):/);
    expect(stdout).toMatch(
      /deploy tool received POST \/rollback \(signature verified, Idempotency-Key rollback:\d+\): roll checkout 1\.2\.0 back to 1\.1\.0/,
    );
    expect(stdout).toContain('rollback of checkout 1.1.0 in production: HEALTHY');
    expect(stdout).toMatch(/Change failure rate\s+\d+\.\d%/);
    expect(stdout).toMatch(/\ncheckout\s+\d/);
    expect(stdout).toMatch(/Done in \d+s\./);
    expect(code).toBe(0);
  });
});
