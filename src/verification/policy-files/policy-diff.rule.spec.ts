import {
  DEFAULT_ANALYSIS,
  DEFAULT_SLIS,
  DEFAULT_TIMING,
  type PolicySpec,
} from '../verification-policy.js';
import {
  changesServer,
  diffPolicies,
  specDifferences,
  targetDifferences,
} from './policy-diff.rule.js';

const SPEC: PolicySpec = {
  mode: 'ADVISE',
  slis: DEFAULT_SLIS,
  checks: [{ name: 'p99', query: 'q', successCondition: 'result < 0.5', dryRun: false }],
  timing: DEFAULT_TIMING,
  analysis: DEFAULT_ANALYSIS,
  alertChannels: [],
  lateRegressionRollback: false,
};
const at = (service: string, environment = 'production') => ({
  service,
  namespace: '',
  environment,
});

describe('diffPolicies', () => {
  it('sorts the policies of the files into added, changed and unchanged, then those not in files', () => {
    const changed: PolicySpec = {
      ...SPEC,
      mode: 'ENFORCE',
      timing: { ...DEFAULT_TIMING, bakeSeconds: 1800 },
    };
    const result = diffPolicies(
      [
        { ...at('new'), file: 'new.yaml', spec: SPEC },
        { ...at('changed'), file: 'changed.yaml', spec: changed },
        { ...at('same'), file: 'same.yaml', spec: SPEC },
      ],
      [
        { ...at('same'), spec: SPEC },
        { ...at('changed'), spec: SPEC },
        { ...at('same', 'staging'), spec: SPEC },
      ],
    );
    expect(result.map((c) => [c.service, c.environment, c.file, c.status])).toEqual([
      ['new', 'production', 'new.yaml', 'ADDED'],
      ['changed', 'production', 'changed.yaml', 'CHANGED'],
      ['same', 'production', 'same.yaml', 'UNCHANGED'],
      ['same', 'staging', null, 'NOT_IN_FILES'],
    ]);
    expect(result[1].differences).toEqual([
      { field: 'mode', before: '"ADVISE"', after: '"ENFORCE"' },
      { field: 'timing.bakeSeconds', before: String(DEFAULT_TIMING.bakeSeconds), after: '1800' },
    ]);
  });

  it('marks the stored policies no file names DELETED when pruning', () => {
    const result = diffPolicies(
      [{ ...at('kept'), file: 'kept.yaml', spec: SPEC }],
      [
        { ...at('kept'), spec: SPEC },
        { ...at('gone'), spec: SPEC },
      ],
      true,
    );
    expect(result.map((c) => [c.service, c.file, c.status])).toEqual([
      ['kept', 'kept.yaml', 'UNCHANGED'],
      ['gone', null, 'DELETED'],
    ]);
    expect(result.map(changesServer)).toEqual([false, true]);
  });

  it('tells policies apart by namespace too', () => {
    const result = diffPolicies(
      [{ ...at('cart'), namespace: 'shop', file: 'a.yaml', spec: SPEC }],
      [{ ...at('cart'), spec: SPEC }],
    );
    expect(result.map((c) => c.status)).toEqual(['ADDED', 'NOT_IN_FILES']);
  });
});

describe('specDifferences', () => {
  it('finds none between a spec and itself, or an absent optional value and its default', () => {
    expect(specDifferences(SPEC, structuredClone(SPEC))).toEqual([]);
    const explicit: PolicySpec = {
      ...SPEC,
      checks: [{ ...SPEC.checks[0], failureCondition: undefined, dryRun: undefined }],
    };
    expect(specDifferences(SPEC, explicit)).toEqual([]);
  });

  it('names list items that were added, removed or changed, in field order', () => {
    const sli = (name: string, objective: number) => ({
      name,
      objective,
      totalQuery: 't',
      badQuery: 'b',
    });
    const before: PolicySpec = { ...SPEC, slis: [sli('errors', 0.999), sli('latency', 0.99)] };
    const after: PolicySpec = {
      ...SPEC,
      slis: [sli('errors', 0.995)],
      checks: [],
      alertChannels: ['SLACK'],
    };
    // top-level fields by name, then those only the new spec has
    expect(specDifferences(before, after)).toEqual([
      { field: 'alertChannels', before: '[]', after: null },
      { field: 'checks[0].dryRun', before: 'false', after: null },
      { field: 'checks[0].failureCondition', before: 'null', after: null },
      { field: 'checks[0].name', before: '"p99"', after: null },
      { field: 'checks[0].query', before: '"q"', after: null },
      { field: 'checks[0].successCondition', before: '"result < 0.5"', after: null },
      { field: 'slis[0].objective', before: '0.999', after: '0.995' },
      { field: 'slis[1].badQuery', before: '"b"', after: null },
      { field: 'slis[1].name', before: '"latency"', after: null },
      { field: 'slis[1].objective', before: '0.99', after: null },
      { field: 'slis[1].totalQuery', before: '"t"', after: null },
      { field: 'alertChannels[0]', before: null, after: '"SLACK"' },
      { field: 'checks', before: null, after: '[]' },
    ]);
  });
});

describe('targetDifferences', () => {
  const hook = { kind: 'WEBHOOK' as const, url: 'https://deploy.example.com/rb' };

  it('compares references, and says a stored secret is inline without ever showing it', () => {
    const byRef = { ...hook, secret: undefined as never, secretFrom: { env: 'HOOK_SECRET' } };
    expect(targetDifferences(byRef, byRef)).toEqual([]);
    expect(targetDifferences({ ...hook, secret: 'the-stored-secret-value' }, byRef)).toEqual([
      { field: 'rollbackTarget.secret', before: '"(stored inline)"', after: null },
      { field: 'rollbackTarget.secretFrom.env', before: null, after: '"HOOK_SECRET"' },
    ]);
    expect(
      targetDifferences(null, { ...byRef, secretFrom: { env: 'OTHER' } }).map((d) => d.field),
    ).toEqual([
      'rollbackTarget',
      'rollbackTarget.kind',
      'rollbackTarget.secretFrom.env',
      'rollbackTarget.url',
    ]);
  });

  it('is part of a policy change only when the file names a target', () => {
    const stored = [
      { ...at('a'), spec: SPEC, rollbackTarget: { ...hook, secret: 's'.repeat(16) } },
    ];
    expect(diffPolicies([{ ...at('a'), file: 'a.yaml', spec: SPEC }], stored)[0].status).toBe(
      'UNCHANGED',
    );
    const changed = diffPolicies(
      [
        {
          ...at('a'),
          file: 'a.yaml',
          spec: SPEC,
          rollbackTarget: { ...hook, secretFrom: { env: 'HOOK_SECRET' } } as never,
        },
      ],
      stored,
    )[0];
    expect(changed.status).toBe('CHANGED');
    expect(JSON.stringify(changed)).not.toContain('ssssssss');
  });
});
