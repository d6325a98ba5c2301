/**
 * What applying policy files would change: each policy of the files against the stored one,
 * field by field, both with the defaults filled in (a file that omits `timing` equals a stored
 * policy with the default timing); a rollback target only when the file names one (secrets
 * compared by reference, never by value). Stored policies no file names are listed: kept
 * (NOT_IN_FILES), or deleted (DELETED) when the apply prunes.
 */
import type { RollbackTarget } from '../../remediation/remediation-action.js';
import { secretFieldsOf, secretReferenceOf } from '../../remediation/rollback-target.rule.js';
import { checkWithDefaults, type PolicySpec } from '../verification-policy.js';

export type PolicyChangeStatus = 'ADDED' | 'CHANGED' | 'UNCHANGED' | 'NOT_IN_FILES' | 'DELETED';

/** What applying the files changes on the server. */
export const changesServer = (c: { status: PolicyChangeStatus }): boolean =>
  c.status === 'ADDED' || c.status === 'CHANGED' || c.status === 'DELETED';

export interface FieldDifference {
  readonly field: string;
  /** JSON of the value; null when the field is absent on that side. */
  readonly before: string | null;
  readonly after: string | null;
}

export interface PolicyScope {
  readonly service: string;
  readonly namespace: string;
  readonly environment: string;
}

export interface PolicyChange extends PolicyScope {
  readonly file: string | null;
  readonly status: PolicyChangeStatus;
  readonly differences: readonly FieldDifference[];
}

const scopeKey = (s: PolicyScope): string =>
  JSON.stringify([s.namespace, s.service, s.environment]);

/** The comparable form of a spec: absent optional values as null, nothing else. */
function comparable(spec: PolicySpec): Record<string, unknown> {
  return {
    mode: spec.mode,
    slis: spec.slis.map((s) => ({
      name: s.name,
      objective: s.objective,
      totalQuery: s.totalQuery,
      badQuery: s.badQuery,
    })),
    checks: spec.checks.map(checkWithDefaults),
    timing: spec.timing,
    analysis: spec.analysis,
    alertChannels: spec.alertChannels,
    lateRegressionRollback: spec.lateRegressionRollback,
    targetLabel: spec.targetLabel ?? null,
  };
}

/** Leaves by path: `timing.bakeSeconds`, `slis[1].objective`, `alertChannels[0]`. */
function flatten(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, []);
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value).sort())
      flatten((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, out);
  } else {
    out.set(path, value);
  }
  return out;
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/** The differences between two specs, in field order. */
export function specDifferences(before: PolicySpec, after: PolicySpec): FieldDifference[] {
  return differences(comparable(before), comparable(after), '');
}

/**
 * A rollback target as files and the server compare it: where it goes and the reference of its
 * secret; a secret stored inline is only said to be (never its value).
 */
function comparableTarget(target: RollbackTarget | null): Record<string, unknown> | null {
  if (!target) return null;
  const secret = secretFieldsOf(target.kind);
  const fields: [string, unknown][] = Object.entries(target).filter(([k]) => k !== secret.value);
  const inline = (target as unknown as Record<string, unknown>)[secret.value] !== undefined;
  return Object.fromEntries<unknown>([
    ...fields,
    ...(inline && !secretReferenceOf(target) ? [[secret.value, '(stored inline)'] as const] : []),
  ]);
}

/** The differences between a stored rollback target and that of a file, secrets never shown. */
export function targetDifferences(
  before: RollbackTarget | null,
  after: RollbackTarget | null,
): FieldDifference[] {
  return differences(comparableTarget(before), comparableTarget(after), 'rollbackTarget');
}

/** The leaves that differ between two values, by path under `path`. */
export function differences(before: unknown, after: unknown, path: string): FieldDifference[] {
  const a = flatten(before, path, new Map());
  const b = flatten(after, path, new Map());
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  return fields
    .filter((f) => json(a.get(f)) !== json(b.get(f)))
    .map((f) => ({ field: f, before: json(a.get(f)), after: json(b.get(f)) }));
}

/**
 * Every policy of the files (ADDED, CHANGED with its differences, UNCHANGED), then the stored
 * ones no file names (NOT_IN_FILES, or DELETED when pruning), each group in the order given.
 */
export function diffPolicies(
  files: readonly (PolicyScope & {
    file: string;
    spec: PolicySpec;
    /** undefined: the file names none, and the stored one is kept. */
    rollbackTarget?: RollbackTarget;
  })[],
  stored: readonly (PolicyScope & { spec: PolicySpec; rollbackTarget?: RollbackTarget | null })[],
  prune = false,
): PolicyChange[] {
  const byKey = new Map(stored.map((s) => [scopeKey(s), s]));
  const named = new Set(files.map(scopeKey));
  const scope = (s: PolicyScope): PolicyScope => ({
    service: s.service,
    namespace: s.namespace,
    environment: s.environment,
  });
  return [
    ...files.map((f): PolicyChange => {
      const current = byKey.get(scopeKey(f));
      if (!current) return { ...scope(f), file: f.file, status: 'ADDED', differences: [] };
      const differences = [
        ...specDifferences(current.spec, f.spec),
        ...(f.rollbackTarget
          ? targetDifferences(current.rollbackTarget ?? null, f.rollbackTarget)
          : []),
      ];
      return {
        ...scope(f),
        file: f.file,
        status: differences.length > 0 ? 'CHANGED' : 'UNCHANGED',
        differences,
      };
    }),
    ...stored
      .filter((s) => !named.has(scopeKey(s)))
      .map((s): PolicyChange => ({
        ...scope(s),
        file: null,
        status: prune ? 'DELETED' : 'NOT_IN_FILES',
        differences: [],
      })),
  ];
}
