import { TARGET_MAX_LENGTH, targetProblem } from './target.rule.js';

describe('targetProblem (a multi-target release’s target)', () => {
  it('accepts regions, clusters and paths of them', () => {
    for (const t of ['eu-west-1', 'cluster-b', 'prod/eu:1', 'b', 'A.2_x'])
      expect(targetProblem(t)).toBeNull();
  });

  it('refuses an empty, a long or an odd target, saying why', () => {
    expect(targetProblem('')).toBe('must not be empty');
    expect(targetProblem('x'.repeat(TARGET_MAX_LENGTH + 1))).toMatch(/at most 63/);
    for (const t of ['-eu', 'eu west', 'eu"1', 'région', 'a{b}'])
      expect(targetProblem(t)).toMatch(/letters, digits/);
  });
});
