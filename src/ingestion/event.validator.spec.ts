import type {
  ChangeEvent,
  DeploymentEvent,
  IncidentEvent,
  PipelineRunEvent,
} from './domain-events.js';
import { normalizeEvent, validateEvent } from './event.validator.js';

const now = new Date('2025-06-10T00:00:00Z');
const t = (iso: string) => new Date(iso);

const deployment = (o: Partial<DeploymentEvent> = {}): DeploymentEvent => ({
  type: 'deployment',
  envelope: { source: 'ci', eventId: 'e1', occurredAt: t('2025-06-01T10:00:00Z') },
  deploymentId: 'd1',
  service: { name: 'shop' },
  environment: { name: 'production' },
  status: 'SUCCEEDED',
  commitSha: 'A1B2C3D',
  startedAt: t('2025-06-01T09:00:00Z'),
  finishedAt: t('2025-06-01T10:00:00Z'),
  ...o,
});
const fields = (e: Parameters<typeof validateEvent>[0]) =>
  validateEvent(e, now).map((x) => x.field);

describe('validateEvent', () => {
  it('accepts a complete deployment', () => {
    expect(validateEvent(deployment(), now)).toEqual([]);
    expect(validateEvent(deployment({ target: ' eu-west-1 ' }), now)).toEqual([]);
  });

  it.each<[string, Partial<DeploymentEvent>, string[]]>([
    ['empty source and id', { envelope: { source: '', eventId: ' ' } }, ['source', 'eventId']],
    ['an empty service name', { service: { name: '  ' } }, ['service']],
    ['a non-hex SHA', { commitSha: 'xyz1234' }, ['commitSha']],
    ['a short commit SHA', { commits: [{ sha: 'abc' }] }, ['commits[0].sha']],
    ['a finish before the start', { finishedAt: t('2025-06-01T08:00:00Z') }, ['finishedAt']],
    ['an invalid date', { startedAt: new Date('nope') }, ['startedAt']],
    ['a date from the future', { finishedAt: t('2025-06-12T00:00:00Z') }, ['finishedAt']],
    ['a date before 2000', { startedAt: t('1970-01-01T00:00:00Z') }, ['startedAt']],
    ['an unknown status', { status: 'DONE' as never }, ['status']],
    [
      'an unknown tier',
      { environment: { name: 'prod', tier: 'prod' as never } },
      ['environmentTier'],
    ],
    ['a finish while in progress', { status: 'IN_PROGRESS' }, ['finishedAt']],
    [
      'a remediation without id',
      { remediates: [{ kind: 'DEPLOYMENT', id: '' }] },
      ['remediates[0].id'],
    ],
    [
      'a bad traceparent',
      { envelope: { source: 'ci', eventId: 'e', traceParent: 'x' } },
      ['traceparent'],
    ],
    ['an id with a NUL', { deploymentId: 'a\u0000b' }, ['deploymentId']],
    // PostgreSQL text and jsonb cannot hold these (found by test/e2e/fuzz-graphql.e2e-spec.ts).
    ['a text with a NUL', { version: 'a\u0000b' }, ['version']],
    ['an id with a lone surrogate', { deploymentId: 'a\ud800b' }, ['deploymentId']],
    ['a text with a lone surrogate', { url: '\udc00' }, ['url']],
    ['a target with a space (a Prometheus label value)', { target: 'eu west' }, ['target']],
    ['an empty target', { target: '  ' }, ['target']],
    ['a target of 64 characters', { target: 'x'.repeat(64) }, ['target']],
  ])('reports %s', (_case, override, expected) => {
    expect(fields(deployment(override))).toEqual(expected);
  });

  it('checks pipeline runs', () => {
    const run: PipelineRunEvent = {
      type: 'pipelineRun',
      envelope: { source: 'ci', eventId: 'r' },
      runId: '1',
      pipelineName: 'ci',
      status: 'RUNNING',
      outcome: 'SUCCESS',
      attempt: 0,
      tests: {
        passed: 1.5,
        failed: -1,
        skipped: 0,
        suites: [{ name: '', passed: 0, failed: 0, skipped: 0 }],
      },
    };
    expect(fields(run)).toEqual([
      'attempt',
      'outcome',
      'tests.passed',
      'tests.failed',
      'tests.suites[0].name',
    ]);
  });

  it('checks changes and incidents', () => {
    const change: ChangeEvent = {
      type: 'change',
      envelope: { source: 'gh', eventId: 'p' },
      repository: 'acme/shop',
      commits: [],
    };
    expect(fields(change)).toEqual(['commits']);
    const incident: IncidentEvent = {
      type: 'incident',
      envelope: { source: 'pd', eventId: 'i' },
      incidentId: 'INC-1',
      services: [{ name: '' }],
      impactStartedAt: t('2025-06-02T00:00:00Z'),
      resolvedAt: t('2025-06-01T00:00:00Z'),
    };
    expect(fields(incident)).toEqual(['services[0].name', 'resolvedAt']);
  });
});

describe('normalizeEvent', () => {
  it('lower-cases SHAs and trims names', () => {
    const e = normalizeEvent(
      deployment({
        service: { name: ' shop ' },
        environment: { name: ' prod ' },
        commits: [{ sha: 'ABCDEF0' }],
      }),
    ) as DeploymentEvent;
    expect(e).toMatchObject({
      commitSha: 'a1b2c3d',
      service: { name: 'shop', namespace: '' },
      environment: { name: 'prod' },
      commits: [{ sha: 'abcdef0' }],
    });
  });
});
