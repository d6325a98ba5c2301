import { toPeriod, type DoraReportRow } from './dora-report.calculator.js';
import { DORA_2023 } from './levels/dora-levels.js';

const row = (overrides: Partial<DoraReportRow> = {}): DoraReportRow => ({
  scope: 'BUCKET',
  bucketStart: new Date('2026-03-02T00:00:00Z'),
  bucketEnd: new Date('2026-03-09T00:00:00Z'),
  label: '2026-03-02',
  days: 7,
  deployments: 14,
  deploymentsPerDay: 2,
  deploymentDays: 5,
  deploymentsNotReached: 1,
  leadTimeP50Seconds: 7200,
  leadTimeP75Seconds: 9000,
  leadTimeP90Seconds: 90000,
  leadTimes: 40,
  excludedNoPredecessor: 3,
  excludedAlreadyDeployed: 0,
  excludedRollback: 2,
  excludedNoStartTime: 0,
  excludedNegative: 0,
  excludedOther: 0,
  excludedUnknownPaths: 4,
  failed: 1,
  suspected: 2,
  changeFailureRate: 1 / 14,
  changeFailureRateWithSuspected: 3 / 14,
  recoveryP50Seconds: 1800,
  recoveryP90Seconds: 1800,
  recoveries: 1,
  failedUnrecovered: 0,
  reworked: 2,
  reworkRate: 2 / 14,
  changesetsKnown: 13,
  changesetKnownShare: 13 / 14,
  incidents: 4,
  incidentsAttributed: 1,
  incidentsAttributedOrInferred: 3,
  incidentAttributedShare: 0.25,
  definitionVersion: 'shipwatch-dora/4',
  failedInferred: 1,
  reworkedInferred: 1,
  ...overrides,
});

describe('toPeriod', () => {
  it('keeps every figure, adds per week, non-zero exclusions and a level per metric', () => {
    const p = toPeriod(row(), DORA_2023);
    expect(p.deploymentFrequency).toEqual({
      deployments: 14,
      perDay: 2,
      perWeek: 14,
      deploymentDays: 5,
      notReachedUsers: 1,
      level: 'ELITE',
      reason: null,
    });
    expect(p.changeLeadTime).toMatchObject({
      p50Seconds: 7200,
      count: 40,
      excluded: 9,
      exclusions: [
        { reason: 'NO_PREDECESSOR', count: 3 },
        { reason: 'ROLLBACK_DEPLOYMENT', count: 2 },
        { reason: 'UNKNOWN_PATHS', count: 4 },
      ],
      level: 'ELITE',
    });
    expect(p.changeFailureRate).toMatchObject({
      failed: 1,
      total: 14,
      suspected: 2,
      ratioExplicit: 0, // its one failure rests on inference alone
      level: 'HIGH',
    });
    expect(p.failedDeploymentRecoveryTime).toMatchObject({ p50Seconds: 1800, level: 'ELITE' });
    expect(p.deploymentReworkRate).toEqual({
      ratio: 2 / 14,
      reworked: 2,
      total: 14,
      ratioExplicit: 1 / 14,
      level: null,
      reason: null,
    });
    expect(p.dataQuality).toMatchObject({
      attributedIncidentShare: 0.25,
      incidentReason: null,
      failedInferred: 1,
      reworkedInferred: 1,
      changesUnknownPaths: 4,
    });
  });

  it('explains every missing figure of a period without deployments', () => {
    const p = toPeriod(
      row({
        deployments: 0,
        deploymentsPerDay: 0,
        leadTimeP50Seconds: null,
        leadTimeP75Seconds: null,
        leadTimeP90Seconds: null,
        leadTimes: 0,
        excludedNoPredecessor: 0,
        excludedRollback: 0,
        excludedUnknownPaths: 0,
        failed: 0,
        suspected: 0,
        changeFailureRate: null,
        changeFailureRateWithSuspected: null,
        recoveryP50Seconds: null,
        recoveryP90Seconds: null,
        recoveries: 0,
        reworked: 0,
        reworkRate: null,
        changesetsKnown: 0,
        changesetKnownShare: null,
        incidents: 0,
        incidentsAttributed: 0,
        incidentsAttributedOrInferred: 0,
        incidentAttributedShare: null,
      }),
      DORA_2023,
    );
    expect(p.deploymentFrequency).toMatchObject({ perDay: 0, level: 'LOW', reason: null });
    expect(p.changeLeadTime).toMatchObject({
      level: null,
      reason: 'NO_DEPLOYMENTS',
      exclusions: [],
    });
    expect(p.changeFailureRate).toMatchObject({
      ratio: null,
      level: null,
      reason: 'NO_DEPLOYMENTS',
    });
    expect(p.failedDeploymentRecoveryTime.reason).toBe('NO_RECOVERIES');
    expect(p.deploymentReworkRate.reason).toBe('NO_DEPLOYMENTS');
    expect(p.dataQuality).toMatchObject({
      changesetReason: 'NO_DEPLOYMENTS',
      incidentReason: 'NO_INCIDENTS',
    });
  });

  it('tells deployments without lead times apart from no deployments', () => {
    const p = toPeriod(row({ leadTimeP50Seconds: null, leadTimes: 0 }), DORA_2023);
    expect(p.changeLeadTime.reason).toBe('NO_LEAD_TIMES');
  });

  it('reports a zero-length period as EMPTY_WINDOW everywhere', () => {
    const p = toPeriod(
      row({
        days: 0,
        deployments: 0,
        deploymentsPerDay: null,
        leadTimeP50Seconds: null,
        changeFailureRate: null,
        recoveryP50Seconds: null,
        reworkRate: null,
        changesetKnownShare: null,
        incidentAttributedShare: null,
      }),
      DORA_2023,
    );
    expect([
      p.deploymentFrequency.reason,
      p.changeLeadTime.reason,
      p.changeFailureRate.reason,
      p.failedDeploymentRecoveryTime.reason,
      p.deploymentReworkRate.reason,
      p.dataQuality.changesetReason,
      p.dataQuality.incidentReason,
    ]).toEqual(Array(7).fill('EMPTY_WINDOW'));
    expect(p.deploymentFrequency.perWeek).toBeNull();
  });
});
