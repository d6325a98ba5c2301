import type { ServiceGauges } from './dora.repository.js';
import { gaugeSeries, OTHER_SERVICES, ServiceSeriesCap } from './service-series.rule.js';

describe('ServiceSeriesCap', () => {
  it('gives the first services seen a series of their own, then `other`', () => {
    const cap = new ServiceSeriesCap(2);
    expect(['a', 'b', 'a', 'c', 'b', 'd'].map((s) => cap.label(s))).toEqual([
      'a',
      'b',
      'a',
      OTHER_SERVICES,
      'b',
      OTHER_SERVICES,
    ]);
  });

  it('hands the slots to the most active services and evicts the rest', () => {
    const cap = new ServiceSeriesCap(2);
    cap.label('noise-1');
    cap.label('noise-2');
    expect(cap.rank(['busy', 'steady', 'noise-1'])).toEqual(['noise-1', 'noise-2']);
    expect(['busy', 'steady', 'noise-1', 'noise-2'].map((s) => cap.label(s))).toEqual([
      'busy',
      'steady',
      OTHER_SERVICES,
      OTHER_SERVICES,
    ]);
  });

  it('keeps services that already have series while the ranking leaves room', () => {
    const cap = new ServiceSeriesCap(2);
    cap.label('old');
    cap.label('older');
    expect(cap.rank(['busy'])).toEqual(['older']);
    expect(cap.label('old')).toBe('old');
    expect(cap.label('older')).toBe(OTHER_SERVICES);
    expect(cap.label('busy')).toBe('busy');
  });

  it('never counts a service named `other` outside the `other` series, nor gives it a slot', () => {
    const cap = new ServiceSeriesCap(1);
    expect(cap.label(OTHER_SERVICES)).toBe(OTHER_SERVICES);
    expect(cap.rank([OTHER_SERVICES, 'a'])).toEqual([]);
    expect(cap.label('a')).toBe('a');
  });

  it('holds at most `capacity` services whatever it is fed', () => {
    const cap = new ServiceSeriesCap(50);
    const labels = new Set<string>();
    for (let i = 0; i < 5_000; i++) labels.add(cap.label(`svc-${i}`));
    cap.rank(Array.from({ length: 500 }, (_, i) => `ranked-${i}`));
    for (let i = 0; i < 5_000; i++) labels.add(cap.label(`ranked-${i % 700}`));
    expect(labels.size).toBe(50 + 50 + 1);
  });
});

describe('gaugeSeries', () => {
  const row = (service: string, perDay: number): ServiceGauges => ({
    service,
    deploymentsPerDay: perDay,
    leadTimeP50Seconds: 60,
    changeFailureRate: 0.1,
    recoveryP50Seconds: 600,
    reworkRate: 0.2,
  });

  it('exports the services with a label of their own and sums the frequency of the rest', () => {
    const own = new Set(['a']);
    const series = gaugeSeries([row('a', 2), row('b', 0.5), row('c', 0.25)], (s) =>
      own.has(s) ? s : OTHER_SERVICES,
    );
    expect(series).toEqual([
      row('a', 2),
      {
        service: OTHER_SERVICES,
        deploymentsPerDay: 0.75,
        leadTimeP50Seconds: null,
        changeFailureRate: null,
        recoveryP50Seconds: null,
        reworkRate: null,
      },
    ]);
  });

  it('has no `other` series when every service has its own', () => {
    expect(gaugeSeries([row('a', 1)], (s) => s)).toEqual([row('a', 1)]);
  });
});
