/**
 * The late watch's decision (docs/verification.md "Late regressions"): after a HEALTHY verdict,
 * every few minutes, each SLI of the release is read over multiwindow pairs (the Google SRE
 * workbook's multiwindow, multi-burn-rate alerts: a long window that shows the budget really
 * burnt, a short one that shows it is still burning) and a pair whose two windows both burn at
 * its factor is a late regression. Pure: the readings come from counter-reading.ts.
 */
import type { RemediationAction } from '../../remediation/remediation-action.js';
import { rollbackBlockedReason, type PlanInput } from '../analysis/remediation-plan.rule.js';
import type { Reading } from '../analysis/tick.rule.js';
import type { AnalysisParameters, SliSpec } from '../verification-policy.js';

/** A long and a short window and the burn rate both must reach. */
export interface BurnWindowPair {
  /** e.g. `1h/5m`. */
  readonly name: string;
  readonly longSeconds: number;
  readonly shortSeconds: number;
  readonly factor: number;
}

/**
 * The workbook's two paging pairs for a 30-day objective: 1 h and 5 m at 14.4× (2 % of the
 * budget in an hour) and 6 h and 30 m at 6× (5 % in six hours); their factors are the policy's
 * `criticalBurnRate` and `pageBurnRate` (14.4 and 6 by default), the burn rates the verification
 * itself calls critical and severe. The workbook's ticket pair (3 d and 6 h at 1×) is longer than
 * the watch and is left out.
 */
export function burnWindowPairs(
  analysis: Pick<AnalysisParameters, 'criticalBurnRate' | 'pageBurnRate'>,
): BurnWindowPair[] {
  return [
    { name: '1h/5m', longSeconds: 3600, shortSeconds: 300, factor: analysis.criticalBurnRate },
    { name: '6h/30m', longSeconds: 21_600, shortSeconds: 1800, factor: analysis.pageBurnRate },
  ];
}

/** A window of the release's counts, clamped to start no earlier than the deploy's finish. */
export interface WindowReading {
  readonly start: Date;
  readonly end: Date;
  readonly reading: Reading;
}

export interface PairReading {
  readonly sli: SliSpec;
  readonly pair: BurnWindowPair;
  readonly long: WindowReading;
  readonly short: WindowReading;
}

export interface WindowBurn {
  readonly start: string;
  readonly end: string;
  /** OK, or why there is no evidence (NO_DATA / ERROR and their code). */
  readonly status: string;
  readonly total: number | null;
  readonly bad: number | null;
  readonly burnRate: number | null;
}

export interface PairOutcome {
  readonly sli: string;
  readonly objective: number;
  readonly pair: string;
  readonly factor: number;
  readonly long: WindowBurn;
  readonly short: WindowBurn;
  /** Both windows burn at the factor with enough events. */
  readonly burning: boolean;
  readonly reason: string;
}

export interface LateCheckOutcome {
  /** The first burning pair (SLIs in policy order, fast pair first), or null. */
  readonly regression: PairOutcome | null;
  readonly pairs: readonly PairOutcome[];
}

/** Burn rate = bad ratio / (1 − objective). */
export function burnRate(total: number, bad: number, objective: number): number | null {
  if (total <= 0) return null;
  return bad / total / (1 - objective);
}

function burnOf(w: WindowReading, objective: number): WindowBurn {
  const base = { start: w.start.toISOString(), end: w.end.toISOString() };
  if (w.reading.kind !== 'OK') {
    return {
      ...base,
      status: `${w.reading.kind}${w.reading.code ? ` ${w.reading.code}` : ''}`,
      total: null,
      bad: null,
      burnRate: null,
    };
  }
  const { total, bad } = w.reading.counts;
  return { ...base, status: 'OK', total, bad, burnRate: burnRate(total, bad, objective) };
}

const fmt = (x: number | null): string => (x === null ? '–' : `${x.toFixed(1)}×`);

/**
 * One pair of one SLI: burning when both windows have evidence, the short one at least
 * `minRequests` requests (the verification's data gate), each at least `minBadEvents` bad events,
 * and both burn at the pair's factor or more. Missing evidence is never a regression.
 */
export function judgePair(
  r: PairReading,
  gate: Pick<AnalysisParameters, 'minRequests' | 'minBadEvents'>,
): PairOutcome {
  const long = burnOf(r.long, r.sli.objective);
  const short = burnOf(r.short, r.sli.objective);
  const outcome = { sli: r.sli.name, objective: r.sli.objective, pair: r.pair.name };
  const result = (burning: boolean, reason: string): PairOutcome => ({
    ...outcome,
    factor: r.pair.factor,
    long,
    short,
    burning,
    reason,
  });
  if (long.status !== 'OK' || short.status !== 'OK') {
    return result(false, `no evidence (long ${long.status}, short ${short.status})`);
  }
  if ((short.total ?? 0) < gate.minRequests) {
    return result(false, `${short.total} requests in the short window (< ${gate.minRequests})`);
  }
  if ((short.bad ?? 0) < gate.minBadEvents || (long.bad ?? 0) < gate.minBadEvents) {
    return result(false, `fewer than ${gate.minBadEvents} bad events in a window`);
  }
  const burning = (long.burnRate ?? 0) >= r.pair.factor && (short.burnRate ?? 0) >= r.pair.factor;
  const reason = `${r.sli.name} burns ${fmt(long.burnRate)} over ${r.pair.name.split('/')[0]} and ${fmt(short.burnRate)} over ${r.pair.name.split('/')[1]} (${burning ? 'both' : 'not both'} ≥ ${r.pair.factor}×)`;
  return result(burning, reason);
}

/** A late check: every pair of every SLI judged; the first burning one is the regression. */
export function judgeLateCheck(
  readings: readonly PairReading[],
  gate: Pick<AnalysisParameters, 'minRequests' | 'minBadEvents'>,
): LateCheckOutcome {
  const pairs = readings.map((r) => judgePair(r, gate));
  return { regression: pairs.find((p) => p.burning) ?? null, pairs };
}

/**
 * The windows of a pair at `at`: each ends at `at` and is at most its length long, starting no
 * earlier than `from` (the deploy's finish: the release's counters start there).
 */
export function pairWindows(
  pair: BurnWindowPair,
  at: Date,
  from: Date,
): { long: { start: Date; end: Date }; short: { start: Date; end: Date } } {
  const back = (s: number) => new Date(Math.max(from.getTime(), at.getTime() - s * 1000));
  return {
    long: { start: back(pair.longSeconds), end: at },
    short: { start: back(pair.shortSeconds), end: at },
  };
}

export type LateWatchEnd = 'REGRESSED' | 'SUPERSEDED' | 'ENDED';

/**
 * What the watch does after a check at `at`: stop (a newer deployment of the service and
 * environment, or the period is over) or check again after the interval (never past the end).
 */
export function nextLateCheck(input: {
  readonly at: Date;
  readonly until: Date;
  readonly intervalSeconds: number;
  readonly latest: boolean;
  readonly regressed: boolean;
}): { readonly end: LateWatchEnd | null; readonly nextCheckAt: Date | null } {
  if (input.regressed) return { end: 'REGRESSED', nextCheckAt: null };
  if (!input.latest) return { end: 'SUPERSEDED', nextCheckAt: null };
  if (input.at.getTime() >= input.until.getTime()) return { end: 'ENDED', nextCheckAt: null };
  const next = Math.min(input.at.getTime() + input.intervalSeconds * 1000, input.until.getTime());
  return { end: null, nextCheckAt: new Date(next) };
}

/** What a late regression does: one alert per channel, and a rollback only when asked for. */
export interface LatePlan {
  readonly actions: RemediationAction[];
  readonly rollbackRequested: boolean;
  /** Why a rollback the policy asked for was not requested (mode, guards). */
  readonly rollbackBlocked: string | null;
  /** Attribute the release in an incident (listed for triage): every mode but DRY_RUN. */
  readonly attribute: boolean;
}

/**
 * The consequences of a late regression. DRY_RUN records the finding only. Otherwise the release
 * is attributed and alerted once per channel (`alert:<deployment>:LATE_REGRESSION:FIRING:<channel>`:
 * the outbox's idempotency keeps it once); a rollback is requested only when the policy sets
 * `lateRegressionRollback`, in ENFORCE mode, through the verdict's guards (one rollback per
 * deployment with the same key, a target, a previous version that did not fail, the cooldown).
 */
export function planLateRegression(
  input: Omit<PlanInput, 'state' | 'kind' | 'canaryRegressed' | 'remediated'> & {
    readonly rollbackWanted: boolean;
  },
): LatePlan {
  if (input.mode === 'DRY_RUN') {
    return {
      actions: [],
      rollbackRequested: false,
      rollbackBlocked: input.rollbackWanted ? 'mode DRY_RUN' : null,
      attribute: false,
    };
  }
  const { release } = input;
  const blocked = input.rollbackWanted
    ? rollbackBlockedReason({ ...input, kind: 'RELEASE', state: 'FAILED', canaryRegressed: true })
    : null;
  const rollbackRequested = input.rollbackWanted && blocked === null;
  const what = `${release.service}${release.namespace ? ` (${release.namespace})` : ''} ${release.version ?? '?'} in ${release.environment}`;
  const summary = rollbackRequested
    ? `Late regression of release ${what} after its HEALTHY verdict; rolling back to ${release.previousVersion ?? '?'}: ${input.reason}`
    : `Late regression of release ${what} after its HEALTHY verdict (suspected cause, see incident triage; no automatic rollback${blocked ? `: ${blocked}` : ''}): ${input.reason}`;
  const explanation = input.explanation ? { explanation: input.explanation } : {};
  const actions: RemediationAction[] = [];
  if (rollbackRequested && input.rollbackTarget && release.previousVersion) {
    actions.push({
      kind: 'ROLLBACK',
      idempotencyKey: `rollback:${release.deploymentId}`,
      release,
      toVersion: release.previousVersion,
      reason: input.reason,
      target: input.rollbackTarget,
      ...explanation,
    });
  }
  for (const channel of input.alertChannels) {
    actions.push({
      kind: 'ALERT',
      idempotencyKey: `alert:${release.deploymentId}:LATE_REGRESSION:FIRING:${channel}`,
      channel,
      state: 'FIRING',
      release,
      verdict: 'LATE_REGRESSION',
      severity: 'critical',
      summary,
      generatorUrl: input.generatorUrl,
      startsAt: input.startsAt,
      ...explanation,
    });
  }
  return { actions, rollbackRequested, rollbackBlocked: blocked, attribute: true };
}
