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
  };

  it('says the time between deployments and the batch size in one sentence', () => {
    expect(describeFlow(flow)).toBe(
      'Time between deployments: p50 24h, p90 3.1d (4 gaps). Batch size: p50 2 changes (1 pull requests), p90 2.8 (1.8), over 3 deployments; 1 shipped no new change.',
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
    };
    expect(describeFlow(empty)).toBe(
      'Time between deployments: no service deployed twice. Batch size: no deployment with a known changeset shipped a change.',
    );
  });
});
