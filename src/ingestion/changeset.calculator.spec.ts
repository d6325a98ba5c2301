import {
  changeStart,
  computeChangeset,
  type ChangeFacts,
  type ChangesetInput,
} from './changeset.calculator.js';

const t = (hour: number) => new Date(Date.UTC(2025, 5, 1, hour));
const change = (id: string, o: Partial<ChangeFacts> = {}): ChangeFacts => ({
  changeId: id,
  sha: id.padEnd(7, '0'),
  prFirstCommitAt: null,
  prCreatedAt: null,
  committedAt: t(2),
  authoredAt: t(1),
  alreadyDeployed: false,
  ...o,
});
const input = (o: Partial<ChangesetInput> = {}): ChangesetInput => ({
  kind: 'PLANNED',
  finishedAt: t(10),
  predecessor: { id: '1', version: '1.0.0' },
  origin: 'FROM_PUSHES',
  changes: [change('a')],
  ...o,
});

describe('changeset calculator', () => {
  it('starts a change at its PR first commit, else the earlier of PR opening and commit time', () => {
    const none = { prFirstCommitAt: null, prCreatedAt: null, committedAt: null, authoredAt: null };
    expect(
      changeStart({ ...none, prFirstCommitAt: t(0), prCreatedAt: t(3), committedAt: t(2) }),
    ).toEqual(t(0));
    expect(changeStart({ ...none, prCreatedAt: t(3), committedAt: t(5) })).toEqual(t(3));
    // a commit made before its pull request was opened starts at its own time
    expect(changeStart({ ...none, prCreatedAt: t(3), committedAt: t(1) })).toEqual(t(1));
    expect(changeStart({ ...none, prCreatedAt: t(3) })).toEqual(t(3));
    expect(changeStart({ ...none, committedAt: t(2), authoredAt: t(1) })).toEqual(t(2));
    expect(changeStart({ ...none, authoredAt: t(1) })).toEqual(t(1));
  });

  it('measures lead time from start to the deployment’s finish', () => {
    expect(computeChangeset(input({ changes: [change('a', { prFirstCommitAt: t(4) })] }))).toEqual({
      status: 'FROM_PUSHES',
      note: null,
      rows: [{ changeId: 'a', leadTimeSeconds: 6 * 3600, excludedReason: null }],
    });
  });

  it('gives a seed deployment no lead times and says why', () => {
    const cs = computeChangeset(input({ predecessor: null }));
    expect(cs.status).toBe('UNKNOWN');
    expect(cs.note).toContain('NO_PREDECESSOR');
    expect(cs.rows).toEqual([
      { changeId: 'a', leadTimeSeconds: null, excludedReason: 'NO_PREDECESSOR' },
    ]);
  });

  it.each([
    ['ROLLBACK', {}, 'ROLLBACK_DEPLOYMENT'],
    ['REVERT', {}, 'ROLLBACK_DEPLOYMENT'],
    ['PLANNED', { alreadyDeployed: true }, 'ALREADY_DEPLOYED'],
    ['PLANNED', { prFirstCommitAt: null, committedAt: null, authoredAt: null }, 'NO_START_TIME'],
    ['HOTFIX', { committedAt: t(11) }, 'NEGATIVE'],
    ['PLANNED', { pathsUnknown: true }, 'UNKNOWN_PATHS'],
    // a change shipped before counts nowhere, whatever its paths
    ['PLANNED', { pathsUnknown: true, alreadyDeployed: true }, 'ALREADY_DEPLOYED'],
    ['ROLLBACK', { pathsUnknown: true }, 'ROLLBACK_DEPLOYMENT'],
  ] as const)('excludes a change of a %s deployment (%j) as %s', (kind, facts, reason) => {
    const cs = computeChangeset(input({ kind, changes: [change('a', facts)] }));
    expect(cs.rows).toEqual([{ changeId: 'a', leadTimeSeconds: null, excludedReason: reason }]);
  });

  it('reports unresolved changes as UNKNOWN with the reason, and an empty redeploy with a note', () => {
    expect(
      computeChangeset(input({ origin: null, unresolvedReason: 'no pushes', changes: [] })),
    ).toEqual({
      status: 'UNKNOWN',
      note: 'no pushes',
      rows: [],
    });
    expect(computeChangeset(input({ changes: [] })).note).toBe(
      'no new changes since the previous deployment (1.0.0)',
    );
  });

  it('says how many commits touched none of the service’s paths', () => {
    expect(computeChangeset(input({ changes: [], elsewhere: 1 })).note).toBe(
      "1 commit since the previous deployment (1.0.0) touches none of the service's paths and is left out",
    );
    const cs = computeChangeset(input({ elsewhere: 3 }));
    expect(cs.note).toBe(
      "3 commits since the previous deployment (1.0.0) touch none of the service's paths and are left out",
    );
    expect(cs.rows).toHaveLength(1);
  });
});
