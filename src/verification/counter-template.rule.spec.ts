import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  busiestSeriesQuery,
  counterSelectors,
  counterTemplate,
  freshSeriesQuery,
  lastValueQuery,
  rawSamplesQuery,
  scanCounterTemplate,
  TARGET_LABEL,
  withTargetMatcher,
} from './counter-template.rule.js';
import { DEFAULT_SLIS } from './default-slis.js';
import { renderTemplate } from './verification-policy.js';

const ctx = {
  service: 'checkout',
  namespace: 'shop',
  environment: 'production',
  version: '1.2.0',
  previousVersion: '1.1.0',
  windowSeconds: 30,
};
const rendered = (template: string) => renderTemplate(template, ctx);

describe('counter templates', () => {
  it('finds the selectors of the default SLIs, label lists and strings aside', () => {
    const scan = scanCounterTemplate(rendered(DEFAULT_SLIS[1].badQuery));
    expect(scan.problems).toEqual([]);
    expect(scan.selectors.map((s) => s.metric)).toEqual([
      'http_server_request_duration_seconds_count',
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_count',
      'http_server_request_duration_seconds_bucket',
      'target_info',
    ]);
    expect(scan.selectors[4].text).toMatch(/^target_info\{job="shop\/checkout",.*\}$/);
  });

  it('reads bare and nameless selectors, and a string holding braces or brackets', () => {
    const scan = scanCounterTemplate('a_total + {__name__="b_total",x="}[5m]"} or vector(0)');
    expect(scan.problems).toEqual([]);
    expect(scan.selectors.map((s) => [s.text, s.metric])).toEqual([
      ['a_total', 'a_total'],
      ['{__name__="b_total",x="}[5m]"}', 'b_total'],
    ]);
  });

  it.each([
    ['sum(increase(x_total[5m]))', /aggregates across series/],
    ['rate(x_total{a="b"}[1m])', /range selector or subquery/],
    ['x_total offset 5m', /`offset`/],
    ['x_total @ 1700000000', /`@`/],
    ['sum by (pod) (x_total)', /`sum` aggregates/],
    ['max_over_time(x_total[5m:1m])', /range selector or subquery/],
    ['x_total{a="b"', /cannot read it: unbalanced/],
    ['vector(1)', /no metric selector/],
  ])('refuses %s', (expr, problem) => {
    expect(scanCounterTemplate(expr).problems.join('; ')).toMatch(problem);
  });

  it('reads the last value of every selector within the lookback, joins and or kept', () => {
    expect(
      lastValueQuery('(a_count{x="1"} - ignoring (le) a_bucket{le="0.25"}) or vector(0)', 600),
    ).toBe(
      '(last_over_time(a_count{x="1"}[600s]) - ignoring (le) last_over_time(a_bucket{le="0.25"}[600s])) or vector(0)',
    );
    expect(lastValueQuery('c{job="j"} * on (job, instance) group_left () target_info{v="2"}')).toBe(
      'last_over_time(c{job="j"}[3600s]) * on (job, instance) group_left () last_over_time(target_info{v="2"}[3600s])',
    );
  });

  it('asks for fresh samples and the busiest series of the counters only (not target_info)', () => {
    const total = rendered(DEFAULT_SLIS[0].totalQuery);
    expect(counterSelectors(total).map((s) => s.metric)).toEqual([
      'http_server_request_duration_seconds_count',
      'http_server_request_duration_seconds_count',
    ]);
    expect(freshSeriesQuery(total, 29.5)).toMatch(
      /^count\(count_over_time\(http_server_request_duration_seconds_count\{service_name="checkout",.*\}\[30s\]\) or count_over_time\(http_server_request_duration_seconds_count\{job="shop\/checkout"\}\[30s\]\)\)$/,
    );
    expect(busiestSeriesQuery(total, 600)).toMatch(
      /^topk\(1, label_replace\(changes\(http_server_request_duration_seconds_count\{.*\}\[600s\]\), "__name__", "http_server_request_duration_seconds_count", "", ""\) or label_replace\(/,
    );
    expect(rawSamplesQuery({ __name__: 'm', pod: 'a"b' }, 600)).toBe(
      '{__name__="m",pod="a\\"b"}[600s]',
    );
  });
});

describe('templates of earlier releases', () => {
  // The DEFAULT_SLIS before counter templates (commit 883b80e), as stored with saved policies.
  const legacy = JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../../test/fixtures/verification/legacy-default-slis.json'),
      'utf8',
    ),
  ) as { totalQuery: string; badQuery: string }[];

  it('converts the old default SLIs to the new ones', () => {
    const converted = legacy.map((s) =>
      [counterTemplate(s.totalQuery), counterTemplate(s.badQuery)].map((c) =>
        c.kind === 'CONVERTED' ? c.template : c.kind,
      ),
    );
    expect(converted).toEqual(DEFAULT_SLIS.map((s) => [s.totalQuery, s.badQuery]));
  });

  it('converts sum(increase(<selector>[{{window}}])) [or vector(0)] and nothing fancier', () => {
    expect(
      counterTemplate(
        'sum(increase(http_server_request_duration_seconds_count{service_name="{{service}}",code=~"5.."}[{{window}}])) or vector(0)',
      ),
    ).toEqual({
      kind: 'CONVERTED',
      template:
        'http_server_request_duration_seconds_count{service_name="{{service}}",code=~"5.."} or vector(0)',
      from: expect.any(String),
    });
    expect(counterTemplate('sum(increase(x_total[{{window}}])) / 2').kind).toBe('LEGACY');
    expect(counterTemplate('sum by (code) (increase(x_total[{{window}}]))').kind).toBe('LEGACY');
    expect(counterTemplate('x_total{a="{{service}}"}')).toEqual({
      kind: 'COUNTER',
      template: 'x_total{a="{{service}}"}',
    });
  });
});

describe('withTargetMatcher (a multi-target release reads its target only)', () => {
  it('adds the matcher to every selector of the default SLIs, counters and target_info alike', () => {
    const rendered = renderTemplate(DEFAULT_SLIS[0].totalQuery, {
      service: 'cart',
      namespace: '',
      environment: 'production',
      version: '2.0.0',
      previousVersion: '1.9.0',
      windowSeconds: 30,
    });
    const scoped = withTargetMatcher(rendered, 'region', 'eu-west-1');
    const selectors = scanCounterTemplate(scoped).selectors;
    expect(selectors.length).toBe(scanCounterTemplate(rendered).selectors.length);
    for (const s of selectors) expect(s.text).toContain('{region="eu-west-1",');
    expect(scanCounterTemplate(scoped).problems).toEqual([]);
  });

  it('gives a bare metric braces, and escapes the value', () => {
    expect(withTargetMatcher('jobs_total or vector(0)', 'cluster', 'a"b')).toBe(
      'jobs_total{cluster="a\\"b"} or vector(0)',
    );
    expect(withTargetMatcher('{__name__="x"}', 'region', 'b')).toBe('{region="b",__name__="x"}');
    expect(withTargetMatcher('x{}', 'region', 'b')).toBe('x{region="b"}');
  });

  it('leaves a selector that already matches on the label as written', () => {
    const expr = 'x{region=~"eu-.*",job="a"} - y{job="a"}';
    expect(withTargetMatcher(expr, 'region', 'eu-1')).toBe(
      'x{region=~"eu-.*",job="a"} - y{region="eu-1",job="a"}',
    );
  });

  it('accepts only plain label names', () => {
    expect(TARGET_LABEL.test('region')).toBe(true);
    expect(TARGET_LABEL.test('k8s_cluster_name')).toBe(true);
    expect(TARGET_LABEL.test('cloud.region')).toBe(false);
    expect(TARGET_LABEL.test('9lives')).toBe(false);
  });
});
