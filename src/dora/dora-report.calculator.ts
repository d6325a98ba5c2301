import type { BenchmarkSet } from './levels/dora-levels.js';
import { classify } from './levels/level.rule.js';
import { QUICK_CHECK_2025 } from './levels/quick-check-2025.js';
import { quickCheckScores } from './levels/quick-check.rule.js';
import {
  DoraLevelEnum,
  DoraMissingReason,
  type DoraLeadTimeExclusionCount,
  type DoraPeriod,
} from './models/dora-metrics.model.js';

/** One row of the SQL function dora_report (the window or one bucket), camel-cased. */
export interface DoraReportRow {
  readonly scope: 'WINDOW' | 'BUCKET';
  readonly bucketStart: Date;
  readonly bucketEnd: Date;
  readonly label: string;
  readonly days: number;
  readonly deployments: number;
  readonly deploymentsPerDay: number | null;
  readonly deploymentDays: number;
  readonly deploymentsNotReached: number;
  readonly leadTimeP50Seconds: number | null;
  readonly leadTimeP75Seconds: number | null;
  readonly leadTimeP90Seconds: number | null;
  readonly leadTimes: number;
  readonly excludedNoPredecessor: number;
  readonly excludedAlreadyDeployed: number;
  readonly excludedRollback: number;
  readonly excludedNoStartTime: number;
  readonly excludedNegative: number;
  readonly excludedOther: number;
  readonly excludedUnknownPaths: number;
  readonly failed: number;
  readonly suspected: number;
  readonly changeFailureRate: number | null;
  readonly changeFailureRateWithSuspected: number | null;
  readonly recoveryP50Seconds: number | null;
  readonly recoveryP90Seconds: number | null;
  readonly recoveries: number;
  readonly failedUnrecovered: number;
  readonly reworked: number;
  readonly reworkRate: number | null;
  readonly changesetsKnown: number;
  readonly changesetKnownShare: number | null;
  readonly incidents: number;
  readonly incidentsAttributed: number;
  readonly incidentsAttributedOrInferred: number;
  readonly incidentAttributedShare: number | null;
  readonly definitionVersion: string;
  /** Failed / reworked deployments resting on inferred evidence alone, of those counted. */
  readonly failedInferred: number;
  readonly reworkedInferred: number;
}

/** Exclusion codes as stored by ingestion, with the row field holding each count. */
const EXCLUSIONS: readonly [string, keyof DoraReportRow][] = [
  ['NO_PREDECESSOR', 'excludedNoPredecessor'],
  ['ALREADY_DEPLOYED', 'excludedAlreadyDeployed'],
  ['ROLLBACK_DEPLOYMENT', 'excludedRollback'],
  ['NO_START_TIME', 'excludedNoStartTime'],
  ['NEGATIVE', 'excludedNegative'],
  ['UNKNOWN_PATHS', 'excludedUnknownPaths'],
  ['OTHER', 'excludedOther'],
];

const level = (value: string | null): DoraLevelEnum | null =>
  value === null ? null : DoraLevelEnum[value as keyof typeof DoraLevelEnum];

/**
 * A period of the GraphQL report from a dora_report row: the same figures, plus why each missing
 * one is missing and the performance level of each metric in `benchmark`. Pure.
 */
export function toPeriod(row: DoraReportRow, benchmark: BenchmarkSet): DoraPeriod {
  const empty = row.days <= 0;
  const noDeployments = empty
    ? DoraMissingReason.EMPTY_WINDOW
    : row.deployments === 0
      ? DoraMissingReason.NO_DEPLOYMENTS
      : null;
  const exclusions: DoraLeadTimeExclusionCount[] = EXCLUSIONS.map(([reason, field]) => ({
    reason,
    count: row[field] as number,
  })).filter((e) => e.count > 0);
  return {
    start: row.bucketStart,
    end: row.bucketEnd,
    label: row.label,
    days: row.days,
    deploymentFrequency: {
      deployments: row.deployments,
      perDay: row.deploymentsPerDay,
      perWeek: row.deploymentsPerDay === null ? null : row.deploymentsPerDay * 7,
      deploymentDays: row.deploymentDays,
      notReachedUsers: row.deploymentsNotReached,
      level: level(classify(benchmark, 'deploymentFrequency', row.deploymentsPerDay)),
      reason: row.deploymentsPerDay === null ? DoraMissingReason.EMPTY_WINDOW : null,
    },
    changeLeadTime: {
      p50Seconds: row.leadTimeP50Seconds,
      p75Seconds: row.leadTimeP75Seconds,
      p90Seconds: row.leadTimeP90Seconds,
      count: row.leadTimes,
      excluded: exclusions.reduce((sum, e) => sum + e.count, 0),
      exclusions,
      level: level(classify(benchmark, 'changeLeadTime', row.leadTimeP50Seconds)),
      reason:
        row.leadTimeP50Seconds !== null ? null : (noDeployments ?? DoraMissingReason.NO_LEAD_TIMES),
    },
    changeFailureRate: {
      ratio: row.changeFailureRate,
      failed: row.failed,
      total: row.deployments,
      suspected: row.suspected,
      ratioWithSuspected: row.changeFailureRateWithSuspected,
      ratioExplicit:
        row.deployments > 0 ? (row.failed - row.failedInferred) / row.deployments : null,
      level: level(classify(benchmark, 'changeFailureRate', row.changeFailureRate)),
      reason: row.changeFailureRate === null ? noDeployments : null,
    },
    failedDeploymentRecoveryTime: {
      p50Seconds: row.recoveryP50Seconds,
      p90Seconds: row.recoveryP90Seconds,
      count: row.recoveries,
      failedNotRecovered: row.failedUnrecovered,
      level: level(classify(benchmark, 'failedDeploymentRecoveryTime', row.recoveryP50Seconds)),
      reason:
        row.recoveryP50Seconds !== null
          ? null
          : empty
            ? DoraMissingReason.EMPTY_WINDOW
            : DoraMissingReason.NO_RECOVERIES,
    },
    deploymentReworkRate: {
      ratio: row.reworkRate,
      reworked: row.reworked,
      total: row.deployments,
      ratioExplicit:
        row.deployments > 0 ? (row.reworked - row.reworkedInferred) / row.deployments : null,
      level: level(classify(benchmark, 'deploymentReworkRate', row.reworkRate)),
      reason: row.reworkRate === null ? noDeployments : null,
    },
    quickCheck: quickCheckScores(QUICK_CHECK_2025, {
      deploymentsPerDay: row.deploymentsPerDay,
      leadTimeP50Seconds: row.leadTimeP50Seconds,
      recoveryP50Seconds: row.recoveryP50Seconds,
      changeFailureRate: row.changeFailureRate,
      reworkRate: row.reworkRate,
    }),
    dataQuality: {
      deploymentsWithKnownChangeset: row.changesetsKnown,
      knownChangesetShare: row.changesetKnownShare,
      incidents: row.incidents,
      incidentsAttributed: row.incidentsAttributed,
      incidentsAttributedOrInferred: row.incidentsAttributedOrInferred,
      attributedIncidentShare: row.incidentAttributedShare,
      failedInferred: row.failedInferred,
      reworkedInferred: row.reworkedInferred,
      changesUnknownPaths: row.excludedUnknownPaths,
      changesetReason: row.changesetKnownShare === null ? noDeployments : null,
      incidentReason:
        row.incidentAttributedShare !== null
          ? null
          : empty
            ? DoraMissingReason.EMPTY_WINDOW
            : DoraMissingReason.NO_INCIDENTS,
    },
  };
}
