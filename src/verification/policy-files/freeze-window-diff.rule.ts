/**
 * What applying freeze window files would change: each window of the files against the live
 * window from files of the same name, field by field. A changed window is replaced (the old one
 * deleted, a new one created) so that the history of what was frozen when stays. Windows made by
 * people (createFreezeWindow, `shipwatch freeze`) are not compared, listed or pruned: only
 * windows from files are (NOT_IN_FILES, or DELETED when the apply prunes).
 */
import type { FreezeWindowTarget } from '../../gate/freezes/freeze-window.rule.js';
import { differences, type FieldDifference, type PolicyChangeStatus } from './policy-diff.rule.js';

/** The fields a file sets; the others (who, when) are the server's. */
type FreezeFields = Pick<
  FreezeWindowTarget,
  | 'name'
  | 'scope'
  | 'service'
  | 'namespace'
  | 'environment'
  | 'cron'
  | 'timeZone'
  | 'durationMinutes'
  | 'reason'
>;

export interface FreezeWindowChange {
  readonly name: string;
  readonly file: string | null;
  readonly status: PolicyChangeStatus;
  readonly differences: readonly FieldDifference[];
  readonly service: string | null;
  readonly namespace: string;
  readonly environment: string | null;
}

const comparable = (w: FreezeFields): Record<string, unknown> => ({
  scope: w.scope,
  service: w.service,
  namespace: w.namespace,
  environment: w.environment,
  cron: w.cron,
  timeZone: w.timeZone,
  durationMinutes: w.durationMinutes,
  reason: w.reason,
});

/** The windows of the files (ADDED, CHANGED, UNCHANGED), then the stored ones no file names. */
export function diffFreezeWindows(
  files: readonly { file: string; target: FreezeFields }[],
  stored: readonly FreezeFields[],
  prune: boolean,
): FreezeWindowChange[] {
  const byName = new Map(stored.map((w) => [w.name, w]));
  const named = new Set(files.map((f) => f.target.name));
  const scope = (w: FreezeFields) => ({
    name: w.name,
    service: w.service,
    namespace: w.namespace,
    environment: w.environment,
  });
  return [
    ...files.map(({ file, target }): FreezeWindowChange => {
      const current = byName.get(target.name);
      if (!current) return { ...scope(target), file, status: 'ADDED', differences: [] };
      const diff = differences(comparable(current), comparable(target), '');
      return {
        ...scope(target),
        file,
        status: diff.length > 0 ? 'CHANGED' : 'UNCHANGED',
        differences: diff,
      };
    }),
    ...stored
      .filter((w) => !named.has(w.name))
      .map((w): FreezeWindowChange => ({
        ...scope(w),
        file: null,
        status: prune ? 'DELETED' : 'NOT_IN_FILES',
        differences: [],
      })),
  ];
}
