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

/** The demo's step `n`: from its "== n." heading to the next heading (or the end). */
function section(stdout: string, n: number): string {
  const start = stdout.indexOf(`\n== ${n}. `);
  if (start < 0) return `(no step ${n} in the output)\n${stdout.slice(-2000)}`;
  const end = stdout.indexOf('\n== ', start + 1);
  return stdout.slice(start, end < 0 ? undefined : end);
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
    // Each step is checked on its own section: a failure shows that section whole, and a line of
    // one step (the rollback's "checkout 1.1.0 in production: HEALTHY") cannot pass for another's.
    expect(section(stdout, 1)).toContain(signals);
    expect(section(stdout, 2)).toMatch(
      /imported .*history\.ndjson: [\d,]+ lines; this run: accepted [\d,]+, duplicate 0, rejected 0/,
    );
    const good = section(stdout, 4);
    expect(good).toMatch(/^checkout 1\.1\.0 in production: HEALTHY(_LOW_CONFIDENCE)?$/m);
    expect(good).toContain('exit code 0: the pipeline goes on');
    const bad = section(stdout, 5);
    expect(bad).toMatch(/^checkout 1\.2\.0 in production: FAILED$/m);
    expect(bad).toMatch(/rollback requested at \d{4}-/);
    expect(bad).toContain('exit code 1: the release failed verification, the pipeline stops here');
    expect(bad).toMatch(/Evidence of tick \d+ \(bad\/total events\):/);
    const rollback = section(stdout, 6);
    expect(rollback).toMatch(
      /deploy tool received POST \/rollback \(signature verified, Idempotency-Key rollback:\d+\): roll checkout 1\.2\.0 back to 1\.1\.0/,
    );
    expect(rollback).toMatch(
      /^rollback of checkout 1\.1\.0 in production: HEALTHY(_LOW_CONFIDENCE)?$/m,
    );
    const dora = section(stdout, 7);
    expect(dora).toMatch(/Change failure rate\s+\d+\.\d%/);
    expect(dora).toMatch(/\ncheckout\s+\d/);
    expect(dora).toMatch(/Done in \d+s\./);
    expect(code).toBe(0);
  });
});
