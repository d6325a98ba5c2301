import type { VerificationPolicyEntity } from './verification-policy.entity.js';
import { policyModel } from './verification-read.service.js';
import {
  analysisWithDefaults,
  checkPolicyShape,
  DEFAULT_ANALYSIS,
  DEFAULT_SLIS,
  defaultPolicySpec,
  parseCondition,
  renderTemplate,
  TemplateError,
  type AnalysisParameters,
  type PolicySpec,
} from './verification-policy.js';

const ctx = {
  service: 'checkout',
  namespace: 'shop',
  environment: 'production',
  version: '1.2.3+build"7',
  previousVersion: null,
  windowSeconds: 30,
};

describe('verification policy', () => {
  it('accepts the default policy', () => {
    expect(checkPolicyShape(defaultPolicySpec(['ALERTMANAGER']))).toEqual([]);
  });

  it('reports every shape problem with its field', () => {
    const spec: PolicySpec = {
      ...defaultPolicySpec([]),
      slis: [
        {
          name: 'Errors',
          objective: 1.2,
          totalQuery: 'sum(x) or vector(0)',
          badQuery: 'y[{{window}}]',
        },
      ],
      checks: [{ name: 'rate', query: 'z[{{window}}]', successCondition: 'result => 1' }],
      analysis: { ...defaultPolicySpec([]).analysis, severeSustainSeconds: -1, alpha: 0 },
      timing: { ...defaultPolicySpec([]).timing, intervalSeconds: 0 },
    };
    const fields = checkPolicyShape(spec).map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'slis[0].name',
        'slis[0].objective',
        'slis[0].totalQuery',
        'checks[0].successCondition',
        'timing.intervalSeconds',
        'analysis.severeSustainSeconds',
        'analysis.alpha',
      ]),
    );
  });

  it('refuses a verification longer than a day', () => {
    const base = defaultPolicySpec([]);
    const at = (maxVerificationSeconds: number) =>
      checkPolicyShape({ ...base, timing: { ...base.timing, maxVerificationSeconds } });
    expect(at(86_400)).toEqual([]);
    expect(at(86_401)).toEqual([
      { field: 'timing.maxVerificationSeconds', message: 'at most 86400 (a day)' },
    ]);
  });

  it('renders placeholders escaped for PromQL strings and regexes', () => {
    const out = renderTemplate(
      'x{s="{{service}}",j="{{job}}",v="{{version}}",r=~"{{versionRegex}}",p=~"{{previousVersionRegex}}"}[{{window}}]',
      ctx,
    );
    expect(out).toBe(
      'x{s="checkout",j="shop/checkout",v="1.2.3+build\\"7",r=~"1\\\\.2\\\\.3\\\\+build\\"7",p=~".*"}[30s]',
    );
    expect(() => renderTemplate('x{v="{{previousVersion}}"}', ctx)).toThrow(TemplateError);
  });

  it('fills both telemetry layouts (labels and target_info) in the default SLIs', () => {
    const total = renderTemplate(DEFAULT_SLIS[0].totalQuery, { ...ctx, version: '2.0.0' });
    expect(total).toContain('service_name="checkout",service_namespace="shop"');
    expect(total).toContain('group_left () target_info{job="shop/checkout"');
    expect(total).toContain('service_version=~"2\\\\.0\\\\.0"');
    expect(DEFAULT_SLIS[0].badQuery).toMatch(/or vector\(0\)$/);
    expect(DEFAULT_SLIS[1].badQuery).not.toMatch(/vector\(0\)/);
  });

  it('parses Argo-style conditions', () => {
    expect(parseCondition('result >= 0.95')).toEqual({ op: '>=', value: 0.95 });
    expect(parseCondition(' result<1e-3 ')).toEqual({ op: '<', value: 0.001 });
    expect(parseCondition('len(result) == 0')).toBeNull();
  });
});

describe('policies saved before the route parameters', () => {
  it('read with maxRoutes and routeMinRequests defaulted, in GraphQL and in policy files', () => {
    const stored = Object.fromEntries(
      Object.entries(DEFAULT_ANALYSIS).filter(
        ([k]) => k !== 'maxRoutes' && k !== 'routeMinRequests',
      ),
    ) as unknown as AnalysisParameters;
    const entity = {
      id: '1',
      service: 'checkout',
      namespace: '',
      environment: 'production',
      mode: 'ADVISE',
      slis: [...DEFAULT_SLIS],
      checks: [],
      timing: {},
      analysis: { ...stored, minRequests: 20 },
      lateRegressionRollback: false,
      rollbackTarget: null,
      alertChannels: [],
      updatedAt: new Date(0),
    } as unknown as VerificationPolicyEntity;
    expect(policyModel(entity).analysis).toEqual({
      ...DEFAULT_ANALYSIS,
      minRequests: 20,
    });
    expect(analysisWithDefaults(stored)).toMatchObject({ maxRoutes: 50, routeMinRequests: 100 });
  });
});
