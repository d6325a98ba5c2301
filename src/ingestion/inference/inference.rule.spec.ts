import { DEFAULT_HOTFIX_RULES } from './hotfix.rule.js';
import {
  infer,
  revertReferencesOf,
  type CarriedChange,
  type InferenceInput,
} from './inference.rule.js';

const rules = {
  rollbackByRedeploy: true,
  reverts: true,
  hotfixes: true,
  hotfix: DEFAULT_HOTFIX_RULES,
};
const p = { id: '2', source: 'github', externalId: 'd2' };
const d1 = { id: '1', source: 'github', externalId: 'd1' };
const change = (over: Partial<CarriedChange> = {}): CarriedChange => ({
  sha: 'a'.repeat(40),
  pullRequestId: null,
  title: null,
  branch: null,
  labels: null,
  reverts: [],
  ...over,
});
const input = (over: Partial<InferenceInput> = {}): InferenceInput => ({
  explicit: false,
  rules,
  predecessor: p,
  ranBefore: null,
  changes: [],
  revertTargets: new Map(),
  ...over,
});

describe('infer', () => {
  it('reads a redeploy of an earlier release as a rollback of the predecessor', () => {
    const r = infer(input({ ranBefore: { ...d1, release: 'v1' } }));
    expect(r).toMatchObject({ rule: 'ROLLBACK', kind: 'ROLLBACK', remediates: [p] });
    expect(r?.reason).toContain('release v1 ran before');
  });

  it('infers nothing for a labelled deployment, a seed, or with the rules off', () => {
    const ranBefore = { ...d1, release: 'v1' };
    expect(infer(input({ explicit: true, ranBefore }))).toBeNull();
    expect(infer(input({ predecessor: null, ranBefore }))).toBeNull();
    const off = { ...rules, rollbackByRedeploy: false, reverts: false, hotfixes: false };
    const hotfix = change({ labels: ['hotfix'] });
    expect(infer(input({ rules: off, ranBefore, changes: [hotfix] }))).toBeNull();
  });

  it('makes a revert remediate the deployment that first shipped the reverted change', () => {
    const revert = change({ pullRequestId: '14', title: 'Revert "x"', reverts: ['pr:12'] });
    const r = infer(input({ changes: [revert], revertTargets: new Map([['pr:12', [d1]]]) }));
    expect(r).toMatchObject({ rule: 'REVERT', kind: 'REVERT', remediates: [d1] });
    expect(r?.reason).toBe('pull request #14 reverts #12, first shipped by github/d1');
  });

  it('prefers a revert to a hotfix when one pull request is both, and a rollback to both', () => {
    const both = change({ title: 'Revert "x"', labels: ['hotfix'], reverts: ['pr:12'] });
    const targets = new Map([['pr:12', [d1]]]);
    expect(infer(input({ changes: [both], revertTargets: targets }))?.rule).toBe('REVERT');
    expect(
      infer(input({ changes: [both], revertTargets: targets, ranBefore: { ...d1, release: 'v1' } }))
        ?.rule,
    ).toBe('ROLLBACK');
  });

  it('does not count a revert of a change never shipped, nor as a hotfix', () => {
    const revert = change({ title: 'Revert "x"', branch: 'hotfix/x', reverts: ['pr:99'] });
    expect(infer(input({ changes: [revert] }))).toBeNull();
  });

  it('makes a hotfix remediate the predecessor', () => {
    const r = infer(
      input({ changes: [change(), change({ pullRequestId: '7', branch: 'hotfix/a' })] }),
    );
    expect(r).toMatchObject({ rule: 'HOTFIX', kind: 'HOTFIX', remediates: [p] });
    expect(r?.reason).toContain('pull request #7: branch "hotfix/a"');
  });

  it('lists revert references only when reverts are on', () => {
    const changes = [change({ reverts: ['sha:abc1234', 'pr:3'] }), change({ reverts: ['pr:3'] })];
    expect(revertReferencesOf(changes, rules)).toEqual(['pr:3', 'sha:abc1234']);
    expect(revertReferencesOf(changes, { ...rules, reverts: false })).toEqual([]);
  });
});
