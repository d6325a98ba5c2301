/**
 * What a late check reads (docs/verification.md "Late regressions"): every pair of every SLI of
 * the release, the new version's counts over the pair's two windows with the verification's own
 * counter reading. Shared by LateWatchService and the detection bench, which drives the rule on
 * the simulator.
 */
import { readCounts, type SignalSource } from '../analysis/counter-reading.js';
import type { AnalysisParameters, SliSpec } from '../verification-policy.js';
import { burnWindowPairs, pairWindows, type PairReading } from './late-regression.rule.js';

/** The readings of a late check at `at`, windows starting no earlier than `from` (the deploy's finish). */
export async function readLatePairs(
  source: SignalSource,
  slis: readonly SliSpec[],
  analysis: Pick<AnalysisParameters, 'criticalBurnRate' | 'pageBurnRate'>,
  at: Date,
  from: Date,
): Promise<PairReading[]> {
  const readings: PairReading[] = [];
  for (const sli of slis) {
    for (const pair of burnWindowPairs(analysis)) {
      const w = pairWindows(pair, at, from);
      const [long, short] = await Promise.all([
        readCounts(source, sli, 'CANARY', w.long, null),
        readCounts(source, sli, 'CANARY', w.short, null),
      ]);
      readings.push({
        sli,
        pair,
        long: { ...w.long, reading: long.reading },
        short: { ...w.short, reading: short.reading },
      });
    }
  }
  return readings;
}
