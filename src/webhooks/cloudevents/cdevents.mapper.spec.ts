import {
  CDEVENTS_RELEASES,
  type CdeventFixture,
  cdeventApplied,
  cdeventFixture,
  cdeventFixtures,
} from '../../../test/support/webhooks.js';
import type {
  DeploymentEvent,
  IncidentEvent,
  PipelineRunEvent,
} from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import type { ReceivedCloudEvent } from './cloudevents.parser.js';
import {
  cloudEventDedupeKey,
  contextMismatches,
  mapCdevent,
  parseCdeventType,
  purlVersion,
  serviceName,
} from './cdevents.mapper.js';
import { CdeventsSchemas } from './cdevents.schemas.js';

const NOW = new Date('2026-11-30T12:00:00Z');
const schemas = new CdeventsSchemas();

function received(event: unknown): ReceivedCloudEvent {
  const context = (event as { context: { id: string; source: string; type: string } }).context;
  return {
    mode: 'binary',
    specversion: '1.0',
    id: context.id,
    source: context.source,
    type: context.type,
    extensions: {},
    data: event,
    stored: event,
  };
}
const mapFixture = (f: CdeventFixture) => mapCdevent(received(f.event));

describe('CdeventsSchemas', () => {
  it('knows the event types of every vendored release', () => {
    const types = schemas.types();
    expect(types).toContain('v0.5.1 dev.cdevents.service.deployed.0.3.0');
    expect(types).toContain('v0.4.1 dev.cdevents.service.deployed.0.2.0');
    expect(types).toContain('v0.4.0 dev.cdevents.service.deployed.0.2.0');
    expect(types).toContain('v0.3.0 dev.cdevents.service.deployed.0.1.1');
    // 36 (v0.2.0) + 39 (v0.3.0) + 4 x 45 (v0.4.0 to v0.5.1)
    expect(types).toHaveLength(36 + 39 + 4 * 45);
  });

  it.each(CDEVENTS_RELEASES)('accepts every %s conformance example', (release) => {
    for (const f of cdeventFixtures(release)) {
      const check = schemas.check(f.event.context.type, f.event);
      expect({ name: f.name, ...check }).toEqual({ name: f.name, release, errors: null });
    }
  });

  it('refuses an event that breaks its schema, with the JSON pointer of each problem', () => {
    const f = cdeventFixture('v0.5.1', 'service_deployed');
    const broken = structuredClone(f.event) as Record<string, unknown>;
    const subject = broken.subject as { content: Record<string, unknown> };
    delete subject.content.environment;
    subject.content.extra = 1;
    expect(schemas.check(f.event.context.type, broken)).toEqual({
      release: 'v0.5.1',
      errors: expect.arrayContaining([
        expect.stringContaining("/subject/content: must have required property 'environment'"),
        expect.stringContaining('/subject/content: must NOT have additional properties (extra)'),
      ]),
    });
  });

  it("checks each event against its own release's schema, picked by its spec version", () => {
    // v0.4.0 and v0.4.1 share type strings; v0.4.0 names the chain `chain_id`, v0.4.1 `chainId`
    const v40 = cdeventFixture('v0.4.0', 'pipelinerun_finished').event;
    expect(v40.context.chain_id).toBeDefined();
    expect(schemas.check(v40.context.type, v40)).toEqual({ release: 'v0.4.0', errors: null });
    const as41 = { ...v40, context: { ...v40.context, version: '0.4.1' } };
    expect(schemas.check(v40.context.type, as41)).toEqual({
      release: 'v0.4.1',
      errors: ['/context: must NOT have additional properties (chain_id)'],
    });
    // a v0.5 body under a v0.4 type string is refused by the v0.5 release: it has no such type
    const v5 = cdeventFixture('v0.5.1', 'pipelinerun_finished').event;
    const mixed = { ...v5, context: { ...v5.context, type: v40.context.type } };
    expect(schemas.check(v40.context.type, mixed)).toEqual({
      release: 'v0.5.1',
      unknownType: v40.context.type,
    });
  });

  it('applies the v0.5.0 erratum: its pipelinerun.finished schema required context.version', () => {
    const v50 = cdeventFixture('v0.5.0', 'pipelinerun_finished').event;
    expect(v50.context.specversion).toBe('0.5.0');
    expect(schemas.check(v50.context.type, v50)).toEqual({ release: 'v0.5.0', errors: null });
    const withoutSpecversion = structuredClone(v50) as { context: Record<string, unknown> };
    delete withoutSpecversion.context.specversion;
    withoutSpecversion.context.version = '0.5.0';
    expect(schemas.check(v50.context.type, withoutSpecversion)).toEqual({
      release: 'v0.5.0',
      errors: expect.arrayContaining(["/context: must have required property 'specversion'"]),
    });
  });

  it('names unreleased spec versions, and has nothing to say about data without one', () => {
    const v5 = cdeventFixture('v0.5.1', 'service_deployed').event;
    expect(
      schemas.check(v5.context.type, { ...v5, context: { ...v5.context, specversion: '0.6.0' } }),
    ).toEqual({ unsupportedVersion: '0.6.0' });
    expect(schemas.check('dev.cdevents.pipelinerun.finished.0.1.0', {})).toBeUndefined();
  });
});

describe('mapCdevent', () => {
  it.each(CDEVENTS_RELEASES)(
    'maps every %s conformance example to valid events, or stores it with a note',
    (release) => {
      for (const f of cdeventFixtures(release)) {
        const m = mapFixture(f);
        expect({ name: f.name, kind: m.kind, source: m.source }).toEqual({
          name: f.name,
          kind: f.event.context.type,
          source: f.event.context.source,
        });
        expect({
          name: f.name,
          applied: m.events.length > 0,
          noted: m.events.length > 0 || (m.note ?? '').includes(f.event.context.type),
        }).toEqual({ name: f.name, applied: cdeventApplied(release, f.name), noted: true });
        for (const ev of m.events) {
          expect({ name: f.name, errors: validateEvent(ev, NOW) }).toEqual({
            name: f.name,
            errors: [],
          });
        }
      }
    },
  );

  it('maps pipelinerun finished (v0.5 uri, v0.4 url) to a FINISHED run of the subject', () => {
    for (const release of CDEVENTS_RELEASES) {
      const ev = mapFixture(cdeventFixture(release, 'pipelinerun_finished'))
        .events[0] as PipelineRunEvent;
      expect(ev).toMatchObject({
        type: 'pipelineRun',
        envelope: {
          source: '/event/source/123',
          occurredAt: new Date('2023-03-20T14:27:05.315Z'),
        },
        runId: 'mySubject123',
        pipelineName: 'myPipeline',
        status: 'FINISHED',
        outcome: 'FAILURE',
        finishedAt: new Date('2023-03-20T14:27:05.315Z'),
        url: 'https://www.example.com/mySubject123',
      });
    }
  });

  it('maps service deployed to a succeeded deployment whose version comes from the purl', () => {
    const f = cdeventFixture('v0.5.1', 'service_deployed');
    const m = mapFixture(f);
    expect(m.dedupeKey).toBe(f.event.context.id);
    expect(m.events[0] as DeploymentEvent).toMatchObject({
      deploymentId: `dev.cdevents.service.deployed.0.3.0/${f.event.context.id}`,
      service: { name: 'mySubject123' },
      environment: { name: 'test123' },
      version: 'sha256:0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427',
      status: 'SUCCEEDED',
      finishedAt: new Date('2023-03-20T14:27:05.315Z'),
    });
    const rolledBack = mapFixture(cdeventFixture('v0.4.1', 'service_rolledback'))
      .events[0] as DeploymentEvent;
    expect(rolledBack.kind).toBe('ROLLBACK');
  });

  it('reads Shipwatch conventions from customData', () => {
    const f = cdeventFixture('v0.5.1', 'service_upgraded');
    const event = {
      ...f.event,
      customData: {
        version: '1.4.2',
        commitSha: 'ABCDEF1234567',
        repository: 'acme/shop',
        namespace: 'shop',
        startedAt: '2023-03-20T14:20:00Z',
        target: 'eu-west-1',
      },
      customDataContentType: 'application/json',
    };
    const ev = mapCdevent(received(event)).events[0] as DeploymentEvent;
    expect(ev).toMatchObject({
      version: '1.4.2',
      target: 'eu-west-1',
      commitSha: 'abcdef1234567',
      repository: 'acme/shop',
      service: { name: 'mySubject123', namespace: 'shop' },
      startedAt: new Date('2023-03-20T14:20:00Z'),
    });
  });

  it('maps incidents with their service, environment, ticket and times', () => {
    const fixture = cdeventFixture('v0.5.1', 'incident_reported');
    const reported = mapFixture(fixture).events[0] as IncidentEvent;
    expect(reported).toMatchObject({
      incidentId: 'incident-123',
      envelope: { source: '/monitoring/prod1' },
      services: [{ name: 'myApp' }],
      environment: { name: 'prod1' },
      title: 'Response time above threshold of 100ms',
      causedByVersion: 'sha256:0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427',
      url: 'https://my-issues.example/incidents/ticket-345',
      severity: 'medium',
      detectedAt: new Date(fixture.event.context.timestamp),
    });
    const resolvedFixture = cdeventFixture('v0.5.1', 'incident_resolved');
    const resolved = mapFixture(resolvedFixture).events[0] as IncidentEvent;
    expect(resolved.resolvedAt).toEqual(new Date(resolvedFixture.event.context.timestamp));
    expect(resolved.detectedAt).toBeUndefined();
  });

  it('records change.merged with a merge commit, and keeps one without by its change', () => {
    const f = cdeventFixture('v0.5.1', 'change_merged');
    expect(mapFixture(f).events).toEqual([
      expect.objectContaining({
        type: 'change',
        repository: 'TestRepo/TestOrg',
        commits: [],
        pullRequest: { id: 'mySubject123' },
        subjectFacts: { mergedAt: new Date(f.event.context.timestamp) },
      }),
    ]);
    const ev = mapCdevent(received({ ...f.event, customData: { commitSha: 'abcdef1234567890' } }))
      .events[0];
    expect(ev).toMatchObject({
      type: 'change',
      repository: 'TestRepo/TestOrg',
      pullRequest: { id: 'mySubject123', mergeCommitSha: 'abcdef1234567890' },
    });
    expect(ev).not.toHaveProperty('subjectFacts');
  });

  it('takes the commit of a change from any of its events that names one', () => {
    const created = cdeventFixture('v0.5.1', 'change_created');
    expect(mapFixture(created).note).toContain('customData.commitSha');
    const withSha = mapCdevent(
      received({ ...created.event, customData: { commitSha: 'ABCDEF1234567890' } }),
    ).events;
    expect(withSha).toEqual([
      expect.objectContaining({
        pullRequest: { id: 'mySubject123' },
        subjectFacts: { commitSha: 'abcdef1234567890' },
      }),
    ]);
    expect(validateEvent(withSha[0], NOW)).toEqual([]);
    const abandoned = cdeventFixture('v0.5.1', 'change_abandoned');
    expect(
      mapCdevent(received({ ...abandoned.event, customData: { commitSha: 'abcdef1234567890' } }))
        .events,
    ).toEqual([]);
  });

  it('maps test suite and case runs to results of their chain', () => {
    const suite = mapFixture(cdeventFixture('v0.5.1', 'testsuiterun_finished')).events[0];
    expect(suite).toMatchObject({
      type: 'testResult',
      level: 'SUITE',
      resultId: 'myTestSuiteRun123',
      chainId: '4c8cb7dd-3448-41de-8768-eec704e2829b',
      name: 'Auth TestSuite',
      outcome: 'FAILED',
    });
    expect(mapFixture(cdeventFixture('v0.4.1', 'testcaserun_finished')).events[0]).toMatchObject({
      level: 'CASE',
      resultId: 'myTestCaseRun123',
      name: 'Login Test',
      outcome: 'PASSED',
    });
    expect(mapFixture(cdeventFixture('v0.4.0', 'testcaserun_started')).events[0]).toMatchObject({
      chainId: '4c8cb7dd-3448-41de-8768-eec704e2829b',
      outcome: undefined,
    });
    const pipeline = mapFixture(cdeventFixture('v0.5.1', 'pipelinerun_finished')).events[0];
    expect(pipeline).toMatchObject({ chainId: '4c8cb7dd-3448-41de-8768-eec704e2829b' });
  });

  it('stores test results without a chain, and task runs of a pipeline, with a note', () => {
    const skipped = cdeventFixture('v0.5.1', 'testcaserun_skipped');
    expect(mapFixture(skipped).note).toContain('names no chain');
    const chained = structuredClone(skipped.event) as unknown as {
      context: Record<string, unknown>;
    };
    chained.context.chainId = 'chain-1';
    expect(mapCdevent(received(chained)).events[0]).toMatchObject({
      level: 'CASE',
      suiteRunId: 'test-suite-111',
      outcome: 'SKIPPED',
    });
    expect(mapFixture(cdeventFixture('v0.3.0', 'testsuiterun_finished')).note).toContain(
      'names no chain',
    );
    expect(mapFixture(cdeventFixture('v0.5.1', 'taskrun_finished')).note).toContain(
      'task of pipeline run mySubject123',
    );
  });

  it('maps a task run outside any pipeline as a run of its own', () => {
    const f = cdeventFixture('v0.5.1', 'taskrun_started');
    const event = structuredClone(f.event) as unknown as {
      subject: { content: Record<string, unknown> };
    };
    delete event.subject.content.pipelineRun;
    expect(mapCdevent(received(event)).events[0]).toMatchObject({
      runId: 'taskrun/mySubject123',
      pipelineName: 'myTask',
      status: 'RUNNING',
    });
  });

  it('keeps builds apart from pipeline runs of the same subject id', () => {
    const build = mapFixture(cdeventFixture('v0.5.1', 'build_finished')).events[0];
    const run = mapFixture(cdeventFixture('v0.5.1', 'pipelinerun_finished')).events[0];
    expect(build).toMatchObject({ runId: 'build/mySubject123', pipelineName: 'build' });
    expect(build).toMatchObject({ status: 'FINISHED', outcome: 'SUCCESS' });
    expect(run).toMatchObject({ runId: 'mySubject123' });
  });

  it('takes the trace context from the traceparent extension', () => {
    const f = cdeventFixture('v0.5.1', 'pipelinerun_started');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const m = mapCdevent({ ...received(f.event), extensions: { traceparent } });
    expect(m.events[0].envelope.traceParent).toBe(traceparent);
  });
});

describe('helpers', () => {
  it('keys CloudEvents 1.0 by id alone (source + id), legacy 0.3 events by type and id', () => {
    const v1 = { id: '167', specversion: '1.0' };
    expect(cloudEventDedupeKey({ ...v1, type: 't.a' })).toBe('167');
    expect(cloudEventDedupeKey({ ...v1, type: 't.b' })).toBe('167');
    const legacy = { id: '167', specversion: '0.3' };
    expect(cloudEventDedupeKey({ ...legacy, type: 't.a' })).not.toBe(
      cloudEventDedupeKey({ ...legacy, type: 't.b' }),
    );
  });

  it('finds header/body mismatches of id, source and type', () => {
    const event = cdeventFixture('v0.5.1', 'service_deployed').event;
    expect(contextMismatches(received(event))).toEqual([]);
    const wrong = { ...received(event), id: 'other', source: '/elsewhere' };
    expect(contextMismatches(wrong)).toEqual([
      expect.stringContaining('CloudEvent id "other" differs from the CDEvent context.id'),
      expect.stringContaining('CloudEvent source "/elsewhere"'),
    ]);
    expect(contextMismatches({ ...received(event), data: { subject: {} } })).toEqual([
      expect.stringContaining('no context'),
    ]);
  });

  it('parses CDEvents type strings', () => {
    expect(parseCdeventType('dev.cdevents.service.deployed.0.3.0')).toEqual({
      subject: 'service',
      predicate: 'deployed',
      version: '0.3.0',
    });
    expect(parseCdeventType('dev.cdeventsx.acme-thing.done.0.1.0')).toBeUndefined();
  });

  it.each([
    ['pkg:oci/myapp@sha256%3A0b31?repository_url=ghcr.io/acme&tag=1.2.3', '1.2.3'],
    ['pkg:oci/myapp@sha256%3A0b31', 'sha256:0b31'],
    ['pkg:npm/%40acme/web@2.0.1#dist', '2.0.1'],
    ['pkg:golang/mygit.com/myorg/myapp@234fd47e07d1004f0aed9c', '234fd47e07d1004f0aed9c'],
    ['pkg:generic/thing', undefined],
    ['not-a-purl', undefined],
  ])('reads the version of %s as %s', (purl, version) => {
    expect(purlVersion(purl)).toBe(version);
  });

  it.each([
    ['myapp', 'myapp'],
    ['service/myapp', 'myapp'],
    ['/clusterA/namespaceB/myapp/', 'myapp'],
  ])('names service %s %s', (id, name) => {
    expect(serviceName(id)).toBe(name);
  });
});
