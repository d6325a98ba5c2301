import { describeFlow } from './dora.command.js';

describe('describeFlow', () => {
  const flow = {
    intervalP50Seconds: 86_400,
    intervalP90Seconds: 267_840,
    intervals: 4,
    batchChangesP50: 2,
    batchChangesP90: 2.8,
    batchPullRequestsP50: 1,
    batchPullRequestsP90: 1.8,
    batches: 3,
    deploymentsWithoutChanges: 1,
    leadTimeStages: [
      { stage: 'CODING', p50Seconds: 3_600, p90Seconds: 61_560, samples: 4 },
      { stage: 'REVIEW', p50Seconds: 5_400, p90Seconds: 6_840, samples: 3 },
      { stage: 'WAITING', p50Seconds: 6_300, p90Seconds: 66_000, samples: 4 },
      { stage: 'DEPLOYING', p50Seconds: 300, p90Seconds: 2_700, samples: 6 },
    ],
  };

  it('says the time between deployments and the batch size in one sentence', () => {
    expect(describeFlow(flow)).toBe(
      'Time between deployments: p50 24h, p90 3.1d (4 gaps). Batch size: p50 2 changes (1 pull requests), p90 2.8 (1.8), over 3 deployments; 1 shipped no new change.\n' +
        'Lead-time stages, p50: coding 1h (4 PRs), review 1.5h (3 PRs), waiting 1.8h (4 PRs), deploying 5m (6 deployments).',
    );
  });

  it('says why a figure is missing', () => {
    const empty = {
      ...flow,
      intervalP50Seconds: null,
      intervalP90Seconds: null,
      intervals: 0,
      batchChangesP50: null,
      batchChangesP90: null,
      batchPullRequestsP50: null,
      batchPullRequestsP90: null,
      batches: 0,
      deploymentsWithoutChanges: 0,
      leadTimeStages: [{ stage: 'CODING', p50Seconds: null, p90Seconds: null, samples: 0 }],
    };
    expect(describeFlow(empty)).toBe(
      'Time between deployments: no service deployed twice. Batch size: no deployment with a known changeset shipped a change.\n' +
        'Lead-time stages, p50: coding - (0 PRs).',
    );
  });
});
