/**
 * What applying policy files would change: each policy of the files against the stored one,
 * field by field, both with the defaults filled in (a file that omits `timing` equals a stored
 * policy with the default timing). Stored policies no file names are listed, never deleted.
 */
import { checkWithDefaults, type PolicySpec } from '../verification-policy.js';

export type PolicyChangeStatus = 'ADDED' | 'CHANGED' | 'UNCHANGED' | 'NOT_IN_FILES';

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
  const a = flatten(comparable(before), '', new Map());
  const b = flatten(comparable(after), '', new Map());
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  return fields
    .filter((f) => json(a.get(f)) !== json(b.get(f)))
    .map((f) => ({ field: f, before: json(a.get(f)), after: json(b.get(f)) }));
}

/**
 * Every policy of the files (ADDED, CHANGED with its differences, UNCHANGED), then the stored
 * ones no file names (NOT_IN_FILES), each group in the order given.
 */
export function diffPolicies(
  files: readonly (PolicyScope & { file: string; spec: PolicySpec })[],
  stored: readonly (PolicyScope & { spec: PolicySpec })[],
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
      const differences = specDifferences(current.spec, f.spec);
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
        status: 'NOT_IN_FILES',
        differences: [],
      })),
  ];
}
