import type { DeploymentInput } from './dto/deployment.input.js';
import { toBatchItem, toDeploymentEvent } from './input.mapper.js';
import { DeploymentStatus, EnvironmentTier } from '../delivery/models/delivery.enums.js';

const input = {
  source: 'ci',
  eventId: 'e1',
  occurredAt: null,
  traceparent: null,
  deploymentId: 'd1',
  service: 'shop',
  namespace: null,
  environment: 'prod-eu',
  environmentTier: EnvironmentTier.PRODUCTION,
  status: DeploymentStatus.SUCCEEDED,
  pipelineRunId: '42',
} as DeploymentInput;

describe('GraphQL input mapping', () => {
  it('maps a deployment input, nulls becoming absent', () => {
    expect(toDeploymentEvent(input)).toMatchObject({
      type: 'deployment',
      envelope: { source: 'ci', eventId: 'e1', occurredAt: undefined, traceParent: undefined },
      service: { name: 'shop', namespace: undefined },
      environment: { name: 'prod-eu', tier: 'production' },
      status: 'SUCCEEDED',
      pipelineRun: { id: '42', source: undefined },
    });
  });

  it('requires exactly one event per batch item', () => {
    expect(toBatchItem({})).toEqual({
      errors: [expect.objectContaining({ field: '' })],
    });
    expect(toBatchItem({ deployment: input, change: null })).toMatchObject({
      event: { type: 'deployment' },
      kind: 'ingestEvents.deployment',
    });
  });
});
