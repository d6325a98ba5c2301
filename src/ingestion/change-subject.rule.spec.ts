import {
  applyChangeSubjectEvent,
  landedChange,
  type ChangeSubjectState,
} from './change-subject.rule.js';
import type { ChangeEvent } from './domain-events.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
const change = (facts: ChangeEvent['subjectFacts']): ChangeEvent => ({
  type: 'change',
  envelope: { source: '/event/source/123', eventId: 'e' },
  repository: 'TestRepo/TestOrg',
  commits: [],
  pullRequest: { id: 'mySubject123' },
  subjectFacts: facts,
});
const merged = change({ mergedAt: at(5) });
const created = change({ commitSha: 'aaaaaaa1' });
const updated = change({ commitSha: 'bbbbbbb2' });

function fold(steps: [ChangeEvent, Date][]): {
  state: ChangeSubjectState;
  landed: (ChangeEvent | null)[];
} {
  let state: ChangeSubjectState | null = null;
  const landed: (ChangeEvent | null)[] = [];
  for (const [e, when] of steps) {
    const after = applyChangeSubjectEvent(state, e, when);
    landed.push(landedChange('mySubject123', e, state, after));
    state = after;
  }
  return { state: state!, landed };
}

describe('change subjects', () => {
  it('records the merge once its commit is known, in either order', () => {
    const mergeFirst = fold([
      [merged, at(5)],
      [created, at(1)],
    ]);
    const shaFirst = fold([
      [created, at(1)],
      [merged, at(5)],
    ]);
    expect(mergeFirst.state).toEqual(shaFirst.state);
    const expected = {
      type: 'change',
      repository: 'TestRepo/TestOrg',
      commits: [],
      pullRequest: { id: 'mySubject123', mergedAt: at(5), mergeCommitSha: 'aaaaaaa1' },
    };
    expect(mergeFirst.landed).toEqual([null, expect.objectContaining(expected)]);
    expect(shaFirst.landed).toEqual([null, expect.objectContaining(expected)]);
  });

  it("takes the newest event's commit, and records nothing again for a repeat", () => {
    const { state, landed } = fold([
      [updated, at(3)],
      [created, at(1)],
      [merged, at(5)],
      [merged, at(5)],
    ]);
    expect(state.commitSha).toBe('bbbbbbb2');
    expect(landed.map((l) => l?.pullRequest?.mergeCommitSha ?? null)).toEqual([
      null,
      null,
      'bbbbbbb2',
      null,
    ]);
  });
});
