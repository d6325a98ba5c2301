import { DORA_2023, type BenchmarkSet } from './dora-levels.js';
import { classify } from './level.rule.js';

const HOUR = 3600;
const DAY = 24 * HOUR;

describe('classify (DORA 2023 bands)', () => {
  it.each([
    [3, 'ELITE'],
    [1, 'ELITE'],
    [0.99, 'HIGH'],
    [1 / 7, 'HIGH'],
    [0.1, 'MEDIUM'],
    [12 / 365, 'MEDIUM'],
    [0.01, 'LOW'],
    [0, 'LOW'],
  ])('deployment frequency %p per day is %s', (perDay, level) => {
    expect(classify(DORA_2023, 'deploymentFrequency', perDay)).toBe(level);
  });

  it.each([
    [3 * HOUR, 'ELITE'],
    [DAY - 1, 'ELITE'],
    [DAY, 'HIGH'],
    [7 * DAY, 'MEDIUM'],
    [30 * DAY - 1, 'MEDIUM'],
    [30 * DAY, 'LOW'],
  ])('lead time p50 %p s is %s (upper bounds exclusive)', (seconds, level) => {
    expect(classify(DORA_2023, 'changeLeadTime', seconds)).toBe(level);
  });

  it.each([
    [0, 'ELITE'],
    [0.05, 'ELITE'],
    [0.0501, 'HIGH'],
    [0.1, 'HIGH'],
    [0.15, 'MEDIUM'],
    [0.16, 'LOW'],
    [1, 'LOW'],
  ])('change failure rate %p is %s (upper bounds inclusive)', (ratio, level) => {
    expect(classify(DORA_2023, 'changeFailureRate', ratio)).toBe(level);
  });

  it.each([
    [59 * 60, 'ELITE'],
    [HOUR, 'HIGH'],
    [DAY, 'MEDIUM'],
    [7 * DAY, 'LOW'],
  ])('recovery time p50 %p s is %s', (seconds, level) => {
    expect(classify(DORA_2023, 'failedDeploymentRecoveryTime', seconds)).toBe(level);
  });

  it('gives no level without a value, or for a metric the set has no bands for', () => {
    expect(classify(DORA_2023, 'changeFailureRate', null)).toBeNull();
    expect(classify(DORA_2023, 'changeLeadTime', Number.NaN)).toBeNull();
    expect(classify(DORA_2023, 'deploymentReworkRate', 0.01)).toBeNull();
  });

  it('cites its source and covers the four published metrics', () => {
    expect(DORA_2023.url).toMatch(/^https:\/\/dora\.dev\/research\/2023\//);
    expect(Object.keys(DORA_2023.metrics).sort()).toEqual([
      'changeFailureRate',
      'changeLeadTime',
      'deploymentFrequency',
      'failedDeploymentRecoveryTime',
    ]);
  });

  it('reads any well-formed set, bands in order', () => {
    const set: BenchmarkSet = {
      ...DORA_2023,
      id: 'test',
      metrics: {
        deploymentReworkRate: {
          direction: 'lower',
          input: 'ratio',
          inclusive: false,
          bands: [
            { level: 'ELITE', max: 0.02, label: '' },
            { level: 'LOW', label: '' },
          ],
        },
      },
    };
    expect(classify(set, 'deploymentReworkRate', 0.01)).toBe('ELITE');
    expect(classify(set, 'deploymentReworkRate', 0.02)).toBe('LOW');
  });
});
