import { QUICK_CHECK_2025 } from './quick-check-2025.js';
import {
  answerScore,
  durationAnswer,
  frequencyAnswer,
  percentageScore,
  quickCheckScores,
} from './quick-check.rule.js';

const HOUR = 3600;
const DAY = 24 * HOUR;

describe('DORA Quick Check 2025 scoring', () => {
  // The expectations of the Quick Check's own tests (dora-team/dora.dev,
  // svelte/quick-check/src/lib/data-service.test.ts at fcaf07b4).
  it('scores answers and percentages as the Quick Check does', () => {
    expect(answerScore(1)).toBe(0);
    expect(answerScore(6)).toBe(10);
    expect(answerScore(3.5)).toBe(5);
    expect(percentageScore(0)).toBe(10);
    expect(percentageScore(100)).toBe(0);
    expect(percentageScore(50)).toBe(5);
    expect(percentageScore(140)).toBe(0);
  });

  it('shows the 2025 industry means as the Quick Check does (high is best)', () => {
    const m = QUICK_CHECK_2025.industryMeans;
    expect(m.changeFailureRate.mean).toBeCloseTo(8.1); // published 1.9
    expect(m.deploymentReworkRate.mean).toBeCloseTo(7.8); // published 2.2
    expect(m.stability.mean).toBeCloseTo(7.9); // published instability 2.1
    expect(m.performance.mean).toBeCloseTo(6.72); // (5.5 + 4.8 + 7.4 + 8.1 + 7.8) / 5
    expect(m.throughput.mean).toBe(6.0);
  });

  it('gives 10 everywhere to the best answers, as the Quick Check does', () => {
    const s = quickCheckScores(QUICK_CHECK_2025, {
      deploymentsPerDay: 12,
      leadTimeP50Seconds: 1800,
      recoveryP50Seconds: 600,
      changeFailureRate: 0,
      reworkRate: 0,
    });
    expect([s.performance.score, s.throughput.score, s.stability.score]).toEqual([10, 10, 10]);
    expect(s.changeLeadTime.answerLabel).toBe('Less than one hour');
    expect(s.deploymentFrequency.answerLabel).toBe('On demand (multiple deploys per day)');
  });

  it.each([
    [HOUR - 1, 6],
    [HOUR, 5],
    [DAY - 1, 5],
    [DAY, 4],
    [7 * DAY, 3],
    [30 * DAY, 2],
    [180 * DAY, 2],
    [180 * DAY + 1, 1],
  ])('a p50 of %d s is answer %d', (seconds, answer) => {
    expect(durationAnswer(seconds)).toBe(answer);
  });

  it.each([
    [2, 6],
    [1.99, 5],
    [1, 5],
    [0.99, 4],
    [1 / 7, 4],
    [1 / 8, 3],
    [1 / 30, 3],
    [1 / 31, 2],
    [1 / 180, 2],
    [1 / 181, 1],
    [0, 1],
  ])('%d deployments a day is answer %d', (perDay, answer) => {
    expect(frequencyAnswer(perDay)).toBe(answer);
  });

  // The worked example of docs/dora.md: 30 days, 45 production deployments, lead time p50 2.5 d,
  // recovery p50 3 h, 4 failed (CFR 8.9 %), 2 reworked (4.4 %).
  it('scores the worked example of docs/dora.md', () => {
    const s = quickCheckScores(QUICK_CHECK_2025, {
      deploymentsPerDay: 1.5,
      leadTimeP50Seconds: 2.5 * DAY,
      recoveryP50Seconds: 3 * HOUR,
      changeFailureRate: 4 / 45,
      reworkRate: 2 / 45,
    });
    expect(s.deploymentFrequency).toMatchObject({ answer: 5, score: 8 });
    expect(s.changeLeadTime).toMatchObject({ answer: 4, score: 6 });
    expect(s.failedDeploymentRecoveryTime).toMatchObject({ answer: 5, score: 8 });
    expect(s.changeFailureRate.score).toBeCloseTo(9.111, 3);
    expect(s.changeFailureRate.answerLabel).toBe('8.9%');
    expect(s.deploymentReworkRate.score).toBeCloseTo(9.556, 3);
    expect(s.throughput.score).toBeCloseTo(22 / 3, 6);
    expect(s.stability.score).toBeCloseTo((9.111111 + 9.555556) / 2, 5);
    expect(s.performance.score).toBeCloseTo((8 + 6 + 8 + 9.111111 + 9.555556) / 5, 5);
  });

  it('leaves out what could not be measured instead of scoring it 0 or 10', () => {
    const s = quickCheckScores(QUICK_CHECK_2025, {
      deploymentsPerDay: 0,
      leadTimeP50Seconds: null,
      recoveryP50Seconds: null,
      changeFailureRate: null,
      reworkRate: null,
    });
    expect(s.changeLeadTime).toMatchObject({ answer: null, answerLabel: null, score: null });
    expect(s.throughput.score).toBe(0); // the frequency alone: answer 1
    expect(s.stability.score).toBeNull();
    expect(s.performance.score).toBe(0);
    expect(s.stability.industryMean).toBeCloseTo(7.9);
  });
});
