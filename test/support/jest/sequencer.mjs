import jestSequencer from '@jest/test-sequencer';

/**
 * Jest's own order (a file that failed last time first, then the files without a timing from
 * an earlier run, largest first, then the slowest of the last run first), except that the files
 * without a timing go tier by tier: end-to-end, integration, unit. A first run, or a run whose
 * configuration changed (CI's two runs differ in the files they leave out, so neither has the
 * other's timings), has no timings at all; by size alone, CI's embedded run started the demo
 * (two whole demos, about 100 s, in one of the smallest files) last and ended on it alone for a
 * minute. End-to-end files start servers and processes and are the slowest per line.
 */
const TestSequencer = jestSequencer.default ?? jestSequencer;
const TIERS = ['e2e', 'integration', 'unit'];

const tierOf = (test) => {
  const tier = TIERS.indexOf(test.context.config.displayName?.name);
  return tier < 0 ? TIERS.length : tier;
};

export default class TierSequencer extends TestSequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const slots = ordered.flatMap((test, i) => (test.duration == null ? [i] : []));
    // Array.prototype.sort is stable: within a tier, Jest's order (largest first) stays.
    const untimed = slots.map((i) => ordered[i]).sort((a, b) => tierOf(a) - tierOf(b));
    slots.forEach((slot, k) => {
      ordered[slot] = untimed[k];
    });
    return ordered;
  }
}
