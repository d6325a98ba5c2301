import fc from 'fast-check';
import {
  DEPLOYMENT_STATUSES,
  type DeploymentEvent,
  type DeploymentStatus,
} from './domain-events.js';
import {
  applyDeploymentEvent,
  sameDeploymentState,
  type DeploymentState,
} from './deployment.state.js';

const t = (minute: number) => new Date(Date.UTC(2025, 5, 1, 10, minute));

function event(
  status: DeploymentStatus,
  minute: number,
  extra: Partial<DeploymentEvent> = {},
): DeploymentEvent {
  return {
    type: 'deployment',
    envelope: { source: 'ci', eventId: `${status}-${minute}`, occurredAt: t(minute) },
    deploymentId: 'd1',
    service: { name: 'shop' },
    environment: { name: 'production' },
    status,
    ...extra,
  };
}

const fold = (events: DeploymentEvent[]): DeploymentState =>
  events.reduce<DeploymentState | null>(
    (s, e) => applyDeploymentEvent(s, e, e.envelope.occurredAt!),
    null,
  )!;

describe('deployment state', () => {
  it('creates on first sight, a late start filling the gap and never undoing the finish', () => {
    const finished = fold([event('SUCCEEDED', 10, { finishedAt: t(9) })]);
    expect(finished).toMatchObject({ status: 'SUCCEEDED', startedAt: null, finishedAt: t(9) });
    const late = applyDeploymentEvent(finished, event('IN_PROGRESS', 1, { startedAt: t(1) }), t(1));
    expect(late).toMatchObject({
      status: 'SUCCEEDED',
      startedAt: t(1),
      finishedAt: t(9),
      lastEventAt: t(10),
    });
  });

  it('keeps the first finish when a producer repeats the same status (Flux reconciliations)', () => {
    const repeat = (status: DeploymentStatus, minute: number) =>
      event(status, minute, { finishedAt: t(minute), repeats: true });
    const periodic = fold([
      repeat('SUCCEEDED', 10),
      repeat('SUCCEEDED', 20),
      repeat('SUCCEEDED', 30),
    ]);
    expect(periodic).toMatchObject({ status: 'SUCCEEDED', finishedAt: t(10), statusAt: t(30) });
    // in any order
    expect(fold([repeat('SUCCEEDED', 30), repeat('SUCCEEDED', 10)]).finishedAt).toEqual(t(10));
    // a different, newer outcome still replaces the finish
    expect(fold([repeat('SUCCEEDED', 10), repeat('FAILED', 20)])).toMatchObject({
      status: 'FAILED',
      finishedAt: t(20),
    });
    // without the flag a newer report of the same status moves it (a retried pipeline)
    expect(fold([event('SUCCEEDED', 10), event('SUCCEEDED', 20)]).finishedAt).toEqual(t(20));
  });

  it('takes the finish from the occurrence time when a finished event gives none', () => {
    expect(fold([event('FAILED', 7)]).finishedAt).toEqual(t(7));
    expect(fold([event('IN_PROGRESS', 7)]).finishedAt).toBeNull();
  });

  it('replaces a terminal status only with a newer one (a retried deployment)', () => {
    const failed = fold([event('FAILED', 5)]);
    expect(applyDeploymentEvent(failed, event('SUCCEEDED', 9), t(9))).toMatchObject({
      status: 'SUCCEEDED',
      finishedAt: t(9),
      statusAt: t(9),
    });
    expect(applyDeploymentEvent(failed, event('SUCCEEDED', 3), t(3))).toMatchObject({
      status: 'FAILED',
      finishedAt: t(5),
    });
  });

  it('never lets a non-terminal status overwrite a terminal one, however new', () => {
    const done = fold([event('CANCELLED', 5)]);
    expect(applyDeploymentEvent(done, event('IN_PROGRESS', 30), t(30)).status).toBe('CANCELLED');
  });

  it('keeps ROLLED_BACK against a late SUCCEEDED, taking its finish', () => {
    const rolledBack = fold([event('ROLLED_BACK', 20)]);
    expect(rolledBack.finishedAt).toBeNull();
    const after = applyDeploymentEvent(
      rolledBack,
      event('SUCCEEDED', 40, { finishedAt: t(10) }),
      t(40),
    );
    expect(after).toMatchObject({ status: 'ROLLED_BACK', finishedAt: t(10) });
  });

  it('keeps an explicit unplanned kind against the PLANNED default', () => {
    const hotfix = fold([event('IN_PROGRESS', 1, { kind: 'HOTFIX' }), event('SUCCEEDED', 2)]);
    expect(hotfix.kind).toBe('HOTFIX');
    expect(fold([event('SUCCEEDED', 2), event('IN_PROGRESS', 1, { kind: 'ROLLBACK' })]).kind).toBe(
      'ROLLBACK',
    );
  });

  it('unions the commits it carries, sorted', () => {
    const s = fold([
      event('IN_PROGRESS', 1, { commits: [{ sha: 'bbbbbbb' }] }),
      event('SUCCEEDED', 2, { commits: [{ sha: 'aaaaaaa' }, { sha: 'bbbbbbb' }] }),
    ]);
    expect(s.commitShas).toEqual(['aaaaaaa', 'bbbbbbb']);
  });

  it('never stores a start after the finish', () => {
    const s = fold([
      event('SUCCEEDED', 5, { finishedAt: t(5) }),
      event('IN_PROGRESS', 6, { startedAt: t(6) }),
    ]);
    expect(s).toMatchObject({ startedAt: null, finishedAt: t(5) });
  });

  it('ends in the same state whatever the order of consistent events', () => {
    const status = fc.constantFrom(...DEPLOYMENT_STATUSES);
    const arbEvent = fc
      .record({ status, minute: fc.integer({ min: 0, max: 50 }), withUrl: fc.boolean() })
      .map(({ status: s, minute, withUrl }) =>
        event(s, minute, {
          startedAt: t(0),
          finishedAt: ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(s) ? t(minute) : undefined,
          // Descriptive fields agree across events (conflicting values are not order independent).
          url: withUrl ? 'https://ci/1' : undefined,
        }),
      );
    fc.assert(
      fc.property(
        fc
          .array(arbEvent, { minLength: 1, maxLength: 8 })
          .chain((events) =>
            fc.tuple(
              fc.constant(events),
              fc.shuffledSubarray(events, { minLength: events.length }),
            ),
          ),
        ([events, shuffled]) => {
          expect(sameDeploymentState(fold(events), fold(shuffled))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
