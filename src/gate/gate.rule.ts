/**
 * The pre-deploy gate: may this version of a service go to this environment now? Pure: the facts
 * Shipwatch holds and `now` are passed in; every reason has a code, a level and a sentence.
 *
 * | code                      | level   | when                                                              |
 * | ------------------------- | ------- | ----------------------------------------------------------------- |
 * | LOCKED                    | DENY    | an active lock covers the service, the environment or everything  |
 * | FREEZE                    | DENY    | a recurring freeze window covering the service, the environment   |
 * |                           |         | or everything is open now (freezes/freeze-window.rule.ts)         |
 * | INCIDENT_OPEN             | DENY    | an open incident names the service (in this environment or none)  |
 * | AUTO_LOCKED               | DENY    | an open incident in the environment names other services, and the |
 * |                           |         | configuration locks on it: opened by a FAILED verdict             |
 * |                           |         | (SHIPWATCH_AUTO_LOCK_ON_FAILED) or of a listed severity           |
 * |                           |         | (SHIPWATCH_AUTO_LOCK_ON_SEVERITIES)                               |
 * | VERSION_FAILED            | DENY    | this version was judged FAILED before (any environment)           |
 * | VERIFICATION_RUNNING      | DENY    | a release of the service here is still being verified             |
 * | ENV_DEGRADED              | DENY    | the service's latest verdict here, within the last hour, said the |
 * |                           |         | environment was already degraded                                  |
 * | ERROR_BUDGET_BURNING      | DENY    | the service burns its error budget at the policy's page rate or   |
 * |                           |         | more over the last hour                                           |
 * | WAVE_FAILED               | DENY    | a later wave of a multi-target release: an earlier target of this |
 * |                           |         | version was judged FAILED or DEGRADED, or rolled back             |
 * | WAVE_VERIFYING            | DENY    | an earlier target of this version is still deploying or verifying |
 * |                           |         | (wait for its verdict, then ask again)                            |
 * | WAVE_UNVERIFIED           | WARN    | an earlier target gave no evidence (UNVERIFIED, INCONCLUSIVE, no  |
 * |                           |         | verification, deployment failed): never a denial on missing data  |
 * | ENVIRONMENT_INCIDENT_OPEN | WARN    | an open incident in the environment names other services (and     |
 * |                           |         | does not lock it automatically)                                   |
 * | ERROR_BUDGET_UNKNOWN      | UNKNOWN | the burn could not be read (Prometheus unreachable, no data)      |
 * | UNKNOWN_SERVICE           | WARN    | Shipwatch has never seen the service: nothing to judge it by      |
 *
 * The decision is DENY when a reason denies, else WARN when a reason warns, else ALLOW — except
 * UNKNOWN_SERVICE, which is a warning that does not make the decision WARN: a service seen for
 * the first time is ALLOWed (with that reason), since none of its history can speak against it.
 * `complete` is false when a check could not be made (UNKNOWN): the CLI then exits "could not
 * decide" unless the decision is DENY anyway.
 */

export const GATE_DECISIONS = ['ALLOW', 'WARN', 'DENY'] as const;
export type GateDecision = (typeof GATE_DECISIONS)[number];

export const GATE_REASON_LEVELS = ['WARN', 'DENY', 'UNKNOWN'] as const;
export type GateReasonLevel = (typeof GATE_REASON_LEVELS)[number];

export const GATE_REASON_CODES = [
  'LOCKED',
  'FREEZE',
  'INCIDENT_OPEN',
  'AUTO_LOCKED',
  'VERSION_FAILED',
  'VERIFICATION_RUNNING',
  'ENV_DEGRADED',
  'ERROR_BUDGET_BURNING',
  'WAVE_FAILED',
  'WAVE_VERIFYING',
  'WAVE_UNVERIFIED',
  'ENVIRONMENT_INCIDENT_OPEN',
  'ERROR_BUDGET_UNKNOWN',
  'UNKNOWN_SERVICE',
] as const;
export type GateReasonCode = (typeof GATE_REASON_CODES)[number];

/** How long an ENV_DEGRADED verdict keeps the gate closed. */
export const ENV_DEGRADED_HOLD_SECONDS = 3600;

export interface GateLock {
  readonly id: string;
  /** SERVICE (this service, any or this environment), ENVIRONMENT, or EVERYTHING. */
  readonly scope: 'SERVICE' | 'ENVIRONMENT' | 'EVERYTHING';
  readonly service: string | null;
  readonly environment: string | null;
  readonly lockedBy: string;
  readonly reason: string;
  readonly until: Date | null;
}

/** An occurrence of a freeze window open now that covers the deployment. */
export interface GateFreeze {
  readonly id: string;
  readonly name: string;
  readonly scope: GateLock['scope'];
  readonly service: string | null;
  readonly environment: string | null;
  readonly createdBy: string;
  readonly reason: string;
  readonly start: Date;
  readonly end: Date;
}

export interface GateIncident {
  readonly id: string;
  readonly externalId: string;
  readonly title: string | null;
  readonly severity: string | null;
  /** The incident names the service (else it is in the environment, on other services). */
  readonly namesService: boolean;
  /** A FAILED verdict opened it. */
  readonly fromFailedVerdict?: boolean;
}

/** Which open incidents lock their whole environment (the configuration; none when not given). */
export interface GateAutoLock {
  readonly onFailed: boolean;
  /** Compared without case. */
  readonly severities: readonly string[];
}

export type BudgetReading =
  | { readonly kind: 'NOT_APPLICABLE'; readonly why: string }
  | {
      readonly kind: 'READ';
      /** Per SLI: the burn rate over the window, null without traffic. */
      readonly slis: readonly { readonly name: string; readonly burnRate: number | null }[];
      readonly threshold: number;
      readonly windowSeconds: number;
    }
  | { readonly kind: 'UNAVAILABLE'; readonly message: string };

/**
 * An earlier wave of a multi-target release: the latest deployment of the same service,
 * environment and version to another target, with the state of its latest verification.
 */
export interface GateWave {
  readonly target: string;
  readonly deploymentId: string;
  /** The deployment's status (QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, CANCELLED, ROLLED_BACK). */
  readonly status: string;
  /** Its latest verification's state; null when none ran (no policy applied). */
  readonly verification: string | null;
}

export interface GateFacts {
  readonly service: string;
  readonly environment: string;
  readonly version: string | null;
  /** The target of the wave asked about (null: the whole environment). */
  readonly target?: string | null;
  /** With a target and a version: the other targets' waves of this version (none when not given). */
  readonly waves?: readonly GateWave[];
  readonly serviceKnown: boolean;
  readonly locks: readonly GateLock[];
  /** The freeze windows open now that cover the deployment (none when not given). */
  readonly freezes?: readonly GateFreeze[];
  readonly openIncidents: readonly GateIncident[];
  readonly autoLock?: GateAutoLock;
  /** Verifications of the service in the environment still RUNNING. */
  readonly runningVerifications: readonly {
    readonly deploymentId: string;
    readonly version: string | null;
  }[];
  /** The latest final verdict of the service in the environment. */
  readonly latestVerdict: {
    readonly verdict: string;
    readonly version: string | null;
    readonly finishedAt: Date;
  } | null;
  /** Where this version was judged FAILED before, newest first. */
  readonly failedVersion: {
    readonly deploymentId: string;
    readonly environment: string;
    readonly finishedAt: Date;
  } | null;
  readonly budget: BudgetReading;
  readonly now: Date;
}

export interface GateReason {
  readonly code: GateReasonCode;
  readonly level: GateReasonLevel;
  readonly message: string;
}

export interface GateAnswer {
  readonly decision: GateDecision;
  /** False when a check could not be made (a reason of level UNKNOWN). */
  readonly complete: boolean;
  readonly reasons: readonly GateReason[];
}

/** What a lock or a freeze window covers, in words: `cart in production`, `every deployment`. */
export const covered = (l: Pick<GateLock, 'scope' | 'service' | 'environment'>): string =>
  l.scope === 'EVERYTHING'
    ? 'every deployment'
    : l.scope === 'ENVIRONMENT'
      ? `every deployment to ${l.environment}`
      : `${l.service}${l.environment ? ` in ${l.environment}` : ''}`;

const describeLock = (l: GateLock): string =>
  `${covered(l)} is locked by ${l.lockedBy}${l.until ? ` until ${l.until.toISOString()}` : ''}: ${l.reason}`;

const describeFreeze = (w: GateFreeze): string =>
  `${covered(w)} is frozen by window "${w.name}" (${w.id}, set by ${w.createdBy}) from ${w.start.toISOString()} until ${w.end.toISOString()}: ${w.reason}`;

/** The setting by which an open incident locks its environment, or null. */
const autoLocking = (a: GateAutoLock | undefined, i: GateIncident): string | null => {
  if (!a) return null;
  if (a.onFailed && i.fromFailedVerdict) return 'SHIPWATCH_AUTO_LOCK_ON_FAILED';
  const severity = i.severity?.trim().toLowerCase();
  if (severity && a.severities.some((s) => s.trim().toLowerCase() === severity))
    return 'SHIPWATCH_AUTO_LOCK_ON_SEVERITIES';
  return null;
};

const WAVE_HEALTHY = new Set(['HEALTHY', 'HEALTHY_LOW_CONFIDENCE']);
const WAVE_BAD = new Set(['FAILED', 'DEGRADED']);
const WAVE_PENDING = new Set(['QUEUED', 'IN_PROGRESS']);

/**
 * A later wave answers from the earlier ones: a bad verdict or a rollback denies, a wave still
 * deploying or verifying denies until it has a verdict, a wave without evidence warns (missing
 * data never denies), healthy waves say nothing.
 */
export function waveReasons(
  f: Pick<GateFacts, 'service' | 'version' | 'target' | 'waves'>,
): GateReason[] {
  if (!f.target || !f.version) return [];
  const reasons: GateReason[] = [];
  for (const w of f.waves ?? []) {
    if (w.target === f.target) continue;
    const wave = `${f.service} ${f.version} in ${w.target} (deployment ${w.deploymentId})`;
    if (w.status === 'ROLLED_BACK' || (w.verification !== null && WAVE_BAD.has(w.verification))) {
      reasons.push({
        code: 'WAVE_FAILED',
        level: 'DENY',
        message: `${wave} was ${w.status === 'ROLLED_BACK' ? 'rolled back' : `judged ${w.verification}`}: this wave would ship the same release`,
      });
    } else if (WAVE_PENDING.has(w.status) || w.verification === 'RUNNING') {
      reasons.push({
        code: 'WAVE_VERIFYING',
        level: 'DENY',
        message: `${wave} is still ${WAVE_PENDING.has(w.status) ? 'deploying' : 'being verified'}: wait for its verdict, then ask again`,
      });
    } else if (w.verification === null || !WAVE_HEALTHY.has(w.verification)) {
      reasons.push({
        code: 'WAVE_UNVERIFIED',
        level: 'WARN',
        message: `${wave} gave no verdict on its health (${w.verification ? `verification ${w.verification}` : w.status === 'SUCCEEDED' ? 'no verification ran' : `deployment ${w.status}`}): nothing speaks for or against this wave`,
      });
    }
  }
  return reasons;
}

export function decideGate(f: GateFacts): GateAnswer {
  const reasons: GateReason[] = [];
  const add = (code: GateReasonCode, level: GateReasonLevel, message: string): void => {
    reasons.push({ code, level, message });
  };

  for (const lock of f.locks) {
    if (lock.until && lock.until.getTime() <= f.now.getTime()) continue;
    add('LOCKED', 'DENY', describeLock(lock));
  }
  for (const freeze of f.freezes ?? []) {
    if (freeze.end.getTime() <= f.now.getTime() || freeze.start.getTime() > f.now.getTime())
      continue;
    add('FREEZE', 'DENY', describeFreeze(freeze));
  }
  if (!f.serviceKnown) {
    add(
      'UNKNOWN_SERVICE',
      'WARN',
      `Shipwatch has never seen ${f.service}: no incident, verdict or budget can speak for or against it (is the name its OpenTelemetry service.name?)`,
    );
  }
  for (const i of f.openIncidents) {
    const name = `incident ${i.externalId}${i.severity ? ` (${i.severity})` : ''}${i.title ? ` "${i.title}"` : ''}`;
    const locking = i.namesService ? null : autoLocking(f.autoLock, i);
    if (i.namesService) {
      add('INCIDENT_OPEN', 'DENY', `${name} on ${f.service} is open`);
    } else if (locking) {
      add(
        'AUTO_LOCKED',
        'DENY',
        `every deployment to ${f.environment} is locked while ${name} is open (${locking})`,
      );
    } else {
      add('ENVIRONMENT_INCIDENT_OPEN', 'WARN', `${name} in ${f.environment} is open`);
    }
  }
  if (f.failedVersion && f.version) {
    add(
      'VERSION_FAILED',
      'DENY',
      `${f.service} ${f.version} was judged FAILED in ${f.failedVersion.environment} at ${f.failedVersion.finishedAt.toISOString()} (deployment ${f.failedVersion.deploymentId})`,
    );
  }
  for (const v of f.runningVerifications) {
    add(
      'VERIFICATION_RUNNING',
      'DENY',
      `${f.service}${v.version ? ` ${v.version}` : ''} is still being verified in ${f.environment} (deployment ${v.deploymentId}): a deployment now would end that verification without a verdict`,
    );
  }
  const latest = f.latestVerdict;
  if (
    latest?.verdict === 'ENV_DEGRADED' &&
    f.now.getTime() - latest.finishedAt.getTime() <= ENV_DEGRADED_HOLD_SECONDS * 1000
  ) {
    add(
      'ENV_DEGRADED',
      'DENY',
      `${f.environment} was degraded when ${f.service}${latest.version ? ` ${latest.version}` : ''} was verified (${latest.finishedAt.toISOString()}): a new release would not be judged either`,
    );
  }
  for (const reason of waveReasons(f)) add(reason.code, reason.level, reason.message);
  const b = f.budget;
  if (b.kind === 'UNAVAILABLE') {
    add('ERROR_BUDGET_UNKNOWN', 'UNKNOWN', `the error budget burn could not be read: ${b.message}`);
  } else if (b.kind === 'READ') {
    const burning = b.slis.filter((s) => s.burnRate !== null && s.burnRate >= b.threshold);
    for (const s of burning) {
      add(
        'ERROR_BUDGET_BURNING',
        'DENY',
        `${f.service} in ${f.environment} burns its ${s.name} budget at ${s.burnRate!.toFixed(1)}× over the last ${b.windowSeconds / 60} min (the policy pages from ${b.threshold}×)`,
      );
    }
  }

  const counts = (level: GateReasonLevel) =>
    reasons.some((r) => r.level === level && r.code !== 'UNKNOWN_SERVICE');
  const decision: GateDecision = counts('DENY') ? 'DENY' : counts('WARN') ? 'WARN' : 'ALLOW';
  return { decision, complete: !counts('UNKNOWN'), reasons };
}
