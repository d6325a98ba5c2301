import { releaseLead, type TargetDeployment } from './release-targets.rule.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 10, minute));
const wave = (
  deploymentId: string,
  status: TargetDeployment['status'],
  minute: number | null,
): TargetDeployment => ({
  deploymentId,
  status,
  finishedAt: minute === null ? null : at(minute),
});

describe('releaseLead (the target DORA counts a release on)', () => {
  it('is the first target to reach users, whatever the arrival order', () => {
    expect(releaseLead([wave('9', 'SUCCEEDED', 20), wave('12', 'SUCCEEDED', 5)])).toBe('12');
  });

  it('counts a rolled-back target as having reached users', () => {
    expect(releaseLead([wave('3', 'ROLLED_BACK', 1), wave('2', 'SUCCEEDED', 4)])).toBe('3');
  });

  it('skips targets that never reached users (failed, cancelled, still running)', () => {
    expect(
      releaseLead([
        wave('1', 'FAILED', 0),
        wave('2', 'CANCELLED', 1),
        wave('3', 'IN_PROGRESS', null),
        wave('4', 'SUCCEEDED', 9),
      ]),
    ).toBe('4');
    expect(releaseLead([wave('1', 'FAILED', 0)])).toBeNull();
  });

  it('breaks a tie of finishes by the lower id (numerically, as PostgreSQL orders bigint)', () => {
    expect(releaseLead([wave('10', 'SUCCEEDED', 3), wave('9', 'SUCCEEDED', 3)])).toBe('9');
  });
});
