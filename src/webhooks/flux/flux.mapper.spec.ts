import { vendorFixture } from '../../../test/support/webhooks.js';
import type { DeploymentEvent } from '../../ingestion/domain-events.js';
import { validateEvent } from '../../ingestion/event.validator.js';
import { applyDeploymentEvent, type DeploymentState } from '../../ingestion/deployment.state.js';
import { MappingError } from '../webhook-mapping.js';
import { type FluxHookOptions, mapFluxDelivery } from './flux.mapper.js';

const identity = { source: 'flux', dedupeKey: 'sha256:test' };
const fixture = (file: string) => vendorFixture('flux', file).payload;
const map = (payload: unknown, options: FluxHookOptions = {}) =>
  mapFluxDelivery(payload, identity, options);
const deploymentOf = (payload: unknown, options: FluxHookOptions = {}): DeploymentEvent => {
  const [event] = map(payload, options).events;
  expect(event?.type).toBe('deployment');
  expect(validateEvent(event, new Date('2026-12-01T00:00:00Z'))).toEqual([]);
  return event as DeploymentEvent;
};
const REVISION = 'main@sha1:4f2b8c61e0a9d3b7c5e8f1a2b3c4d5e6f7a8b9c0';

describe('mapFluxDelivery', () => {
  it('starts the deployment of a revision at its applied change set and finishes it at "Reconciliation finished"', () => {
    const applied = deploymentOf(fixture('kustomization-applied.json'));
    const finished = deploymentOf(fixture('kustomization-succeeded.json'));
    expect(applied).toMatchObject({
      deploymentId: `production/Kustomization/flux-system/webapp@${REVISION}`,
      service: { name: 'webapp' },
      environment: { name: 'production' },
      status: 'IN_PROGRESS',
      commitSha: '4f2b8c61e0a9d3b7c5e8f1a2b3c4d5e6f7a8b9c0',
      startedAt: new Date('2026-11-30T09:14:02Z'),
      repeats: true,
    });
    expect(applied.version).toBeUndefined();
    expect(finished).toMatchObject({
      deploymentId: applied.deploymentId,
      status: 'SUCCEEDED',
      finishedAt: new Date('2026-11-30T09:15:10Z'),
    });
  });

  it('reports every later reconciliation of the same revision as the same deployment, finished when it first was', () => {
    const first = fixture('kustomization-succeeded.json');
    const later = {
      ...first,
      timestamp: '2026-11-30T09:25:11Z',
      message: 'Reconciliation finished in 712.4ms, next run in 10m0s',
    };
    const events = [deploymentOf(first), deploymentOf(later)];
    expect(events[1].deploymentId).toBe(events[0].deploymentId);
    const state = events.reduce<DeploymentState | null>(
      (s, e) => applyDeploymentEvent(s, e, e.envelope.occurredAt!),
      null,
    );
    expect(state?.finishedAt).toEqual(new Date('2026-11-30T09:15:10Z'));
  });

  it('fails the revision a health check failed on, and reads the documented example with its older metadata keys', () => {
    expect(deploymentOf(fixture('kustomization-health-check-failed.json'))).toMatchObject({
      deploymentId:
        'production/Kustomization/flux-system/webapp@main@sha1:9e1d2c3b4a5f60718293a4b5c6d7e8f901234567',
      status: 'FAILED',
      commitSha: '9e1d2c3b4a5f60718293a4b5c6d7e8f901234567',
      finishedAt: new Date('2026-11-30T10:02:44Z'),
    });
    const docs = deploymentOf(fixture('docs-generic-validation-failed.json'), {
      environment: 'staging',
    });
    expect(docs).toMatchObject({
      deploymentId:
        'staging/Kustomization/apps/webapp@main/731f7eaddfb6af01cb2173e18f0f75b0ba780ef1',
      status: 'FAILED',
      commitSha: '731f7eaddfb6af01cb2173e18f0f75b0ba780ef1',
    });
  });

  it('makes a HelmRelease upgrade a deployment of its app version, and a remediation rollback a ROLLBACK', () => {
    const up = deploymentOf(fixture('helmrelease-upgrade-succeeded.json'));
    expect(up).toMatchObject({
      service: { name: 'podinfo' },
      status: 'SUCCEEDED',
      version: '6.5.4',
      deploymentId:
        'production/HelmRelease/apps/podinfo@6.5.4#sha256:3f1a6e5a7c2b9d8e0f4a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6',
    });
    expect(up.kind).toBeUndefined();
    expect(up.commitSha).toBeUndefined();
    const failed = deploymentOf(fixture('helmrelease-upgrade-failed.json'));
    expect(failed).toMatchObject({ status: 'FAILED', version: '6.6.0' });
    const rollback = deploymentOf(fixture('helmrelease-rollback-succeeded.json'));
    expect(rollback).toMatchObject({ status: 'SUCCEEDED', kind: 'ROLLBACK', version: '6.5.4' });
    // not the deployment of 6.5.4 that the upgrade made: a new one, at the rollback's time
    expect(rollback.deploymentId).toBe(`${up.deploymentId}/rollback@2026-11-30T12:33:02.000Z`);
  });

  it('lets the Provider address, then the object’s annotations, name the service', () => {
    const payload = fixture('kustomization-succeeded.json');
    expect(
      deploymentOf(payload, { service: 'checkout', namespace: 'shop', environment: 'prod-eu' }),
    ).toMatchObject({
      service: { name: 'checkout', namespace: 'shop' },
      environment: { name: 'prod-eu' },
      deploymentId: `prod-eu/Kustomization/flux-system/webapp@${REVISION}`,
    });
    const annotated = {
      ...payload,
      metadata: {
        ...(payload.metadata as object),
        service: 'storefront',
        environment: 'eu-prod',
        version: '2.3.1',
      },
    };
    expect(deploymentOf(annotated)).toMatchObject({
      service: { name: 'storefront' },
      environment: { name: 'eu-prod' },
      version: '2.3.1',
    });
  });

  it('stores events that are not a deployment, with the reason', () => {
    const source = map(fixture('forwarder-test-event.json'), { environment: 'production' });
    expect(source.events).toEqual([]);
    expect(source.kind).toBe('flux.GitRepository.reason');
    expect(source.note).toContain('only Kustomization and HelmRelease events are deployments');
    const waiting = {
      ...fixture('kustomization-applied.json'),
      reason: 'DependencyNotReady',
      message: 'Dependencies do not meet ready condition, retrying in 30s',
    };
    expect(map(waiting).note).toContain('reason DependencyNotReady is stored');
    const noRevision = { ...fixture('kustomization-succeeded.json'), metadata: { env: 'prod' } };
    expect(map(noRevision).note).toContain('carries no revision');
    const mislabelled = { ...fixture('kustomization-succeeded.json'), severity: 'error' };
    expect(map(mislabelled).note).toContain('of severity error is stored');
    const member = (kind: string, reason: string) => {
      const p = fixture('kustomization-applied.json') as Record<string, Record<string, unknown>>;
      return map({ ...p, reason, involvedObject: { ...p.involvedObject, kind } });
    };
    expect(member('constructor', 'x').note).toContain('only Kustomization and HelmRelease');
    expect(member('Kustomization', 'toString').note).toContain('reason toString is stored');
  });

  it('refuses an event it cannot place or read', () => {
    const noEnvironment = {
      ...fixture('kustomization-succeeded.json'),
      metadata: { revision: REVISION },
    };
    expect(() => map(noEnvironment)).toThrow(/names no environment/);
    expect(() => map([])).toThrow(MappingError);
    expect(() =>
      map({ ...fixture('kustomization-succeeded.json'), timestamp: 'yesterday' }),
    ).toThrow(MappingError);
    expect(() => map({ ...fixture('kustomization-succeeded.json'), involvedObject: {} })).toThrow(
      /involvedObject.kind/,
    );
  });
});
