import { DomainError } from '../../common/errors/domain-error.js';
import { describeProblem, type PolicyFileProblem } from './policy-file.rule.js';

/** Files that cannot be read or break the schema: nothing is saved. */
export const invalidPolicyFiles = (problems: readonly PolicyFileProblem[]): DomainError =>
  new DomainError(
    'INVALID_POLICY_FILE',
    `invalid policy files, nothing applied: ${problems.map(describeProblem).join('; ')}`,
    { httpStatus: 400, details: { problems } },
  );

/** `--prune` with no file: a wrong directory would otherwise delete every managed object. */
export const pruneWithoutFiles = (): DomainError =>
  new DomainError(
    'PRUNE_WITHOUT_FILES',
    'refusing to prune with no policy file: every policy would be deleted (a wrong directory?)',
    { httpStatus: 400 },
  );
