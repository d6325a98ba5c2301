/**
 * A deployment target: the region or cluster one wave of a multi-target release went to
 * (`eu-west-1`, `cluster-b`, `prod/eu`). It becomes a Prometheus label value and a GraphQL
 * argument, so it is short and plain: a letter or digit first, then letters, digits and
 * `. _ - / :`, at most TARGET_MAX_LENGTH characters. Pure.
 */

export const TARGET_MAX_LENGTH = 63;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9._\-/:]*$/;

/** Why a target is refused, or null when it is fine (the caller trims it first). */
export function targetProblem(target: string): string | null {
  if (target === '') return 'must not be empty';
  if (target.length > TARGET_MAX_LENGTH) return `must be at most ${TARGET_MAX_LENGTH} characters`;
  if (!TARGET.test(target))
    return 'must start with a letter or digit and hold only letters, digits and . _ - / :';
  return null;
}
