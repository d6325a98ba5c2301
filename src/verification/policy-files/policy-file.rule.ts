/**
 * Reading policy files: YAML (one object a file). A file with `kind: FreezeWindow` is a freeze
 * window (schemas/freeze-window.schema.json, then read as createFreezeWindow reads it: cron, time
 * zone, scope); any other file is a verification policy (schemas/verification-policy.schema.json,
 * which has no `kind`). Every file is read before anything is saved; each problem names the file,
 * the line and the field.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import {
  freezeWindowTarget,
  type FreezeWindowRequest,
  type FreezeWindowTarget,
} from '../../gate/freezes/freeze-window.rule.js';
import type { SaveVerificationPolicyInput } from '../dto/save-verification-policy.input.js';
import { FREEZE_WINDOW_KIND } from './policy-file-schema.rule.js';

export interface PolicyFile {
  readonly name: string;
  readonly content: string;
}

export interface PolicyFileProblem {
  readonly file: string;
  /** 1-based; null when the problem is the file as a whole. */
  readonly line: number | null;
  /** e.g. `timing.bakeSeconds`, `slis[0]`; '' for the file itself. */
  readonly field: string;
  readonly message: string;
}

export interface ReadPolicy {
  readonly file: string;
  readonly input: SaveVerificationPolicyInput;
}

export interface ReadFreezeWindow {
  readonly file: string;
  readonly target: FreezeWindowTarget;
}

/** What a JSON Schema validator reports (ajv's ErrorObject, the fields used here). */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}
export type SchemaCheck = (data: unknown) => readonly SchemaError[];

/** The schema check of each kind of file. */
export interface FileChecks {
  readonly policy: SchemaCheck;
  readonly freezeWindow: SchemaCheck;
}

const isFreezeWindow = (data: unknown): boolean =>
  data !== null &&
  typeof data === 'object' &&
  (data as Record<string, unknown>).kind === FREEZE_WINDOW_KIND;

/** `/slis/0/name` → ['slis', 0, 'name']. */
const pathOf = (pointer: string): (string | number)[] =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));

const fieldOf = (path: readonly (string | number)[]): string =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');

/** The policy's identity, as files and the server compare them. */
export const policyKey = (p: { service: string; namespace?: string | null; environment: string }) =>
  `${p.namespace?.trim() ? `${p.namespace.trim()}/` : ''}${p.service.trim()} in ${p.environment.trim()}`;

/** Reads every file; the policies and freeze windows only when no file has a problem. */
export function readPolicyFiles(
  files: readonly PolicyFile[],
  checks: FileChecks,
  now = new Date(),
): { policies: ReadPolicy[]; freezeWindows: ReadFreezeWindow[]; problems: PolicyFileProblem[] } {
  const problems: PolicyFileProblem[] = [];
  const policies: ReadPolicy[] = [];
  const freezeWindows: ReadFreezeWindow[] = [];
  const seen = new Map<string, string>();
  const seenWindows = new Map<string, string>();
  for (const file of files) {
    const lines = new LineCounter();
    const doc = parseDocument(file.content, { lineCounter: lines, uniqueKeys: true });
    const lineAt = (offset: number | undefined): number | null =>
      offset === undefined ? null : lines.linePos(offset).line;
    if (doc.errors.length > 0) {
      for (const e of doc.errors)
        problems.push({
          file: file.name,
          line: e.linePos?.[0]?.line ?? null,
          field: '',
          message: e.message.split('\n')[0],
        });
      continue;
    }
    const data: unknown = doc.toJS();
    const freeze = isFreezeWindow(data);
    const errors = (freeze ? checks.freezeWindow : checks.policy)(data);
    for (const e of errors) {
      const path = pathOf(e.instancePath);
      const extra =
        e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
      const at = extra === undefined ? path : [...path, extra];
      const node = doc.getIn(at, true);
      const parent = doc.getIn(path, true);
      const range = isNode(node) ? node.range : isNode(parent) ? parent.range : undefined;
      problems.push({
        file: file.name,
        line: extra !== undefined ? keyLine(doc, path, extra, lineAt) : lineAt(range?.[0]),
        field: fieldOf(at),
        message:
          extra !== undefined
            ? unknownFieldMessage(path, extra)
            : e.keyword === 'enum'
              ? `must be one of ${(e.params.allowedValues as string[]).join(', ')}`
              : (e.message ?? e.keyword),
      });
    }
    if (errors.length > 0) continue;
    if (freeze) {
      const read = freezeWindowTarget(data as FreezeWindowRequest, now);
      if (!read.ok) {
        const node = doc.getIn([read.field], true);
        problems.push({
          file: file.name,
          line: isNode(node) ? lineAt(node.range?.[0]) : null,
          field: read.field,
          message: read.message,
        });
        continue;
      }
      const earlier = seenWindows.get(read.target.name);
      if (earlier !== undefined) {
        problems.push({
          file: file.name,
          line: null,
          field: 'name',
          message: `freeze window "${read.target.name}" is also the window of ${earlier}`,
        });
        continue;
      }
      seenWindows.set(read.target.name, file.name);
      freezeWindows.push({ file: file.name, target: read.target });
      continue;
    }
    const input = data as SaveVerificationPolicyInput;
    const key = policyKey(input);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({
        file: file.name,
        line: null,
        field: '',
        message: `${key} is also the policy of ${earlier}`,
      });
      continue;
    }
    seen.set(key, file.name);
    policies.push({ file: file.name, input });
  }
  return problems.length > 0
    ? { policies: [], freezeWindows: [], problems }
    : { policies, freezeWindows, problems };
}

/** Inline secrets of a rollback target are refused with the reference to give instead. */
const INLINE_SECRETS: Record<string, string> = { secret: 'secretFrom', token: 'tokenFrom' };

function unknownFieldMessage(path: readonly (string | number)[], key: string): string {
  const reference = Object.hasOwn(INLINE_SECRETS, key) ? INLINE_SECRETS[key] : undefined;
  if (path.length === 0 && key === 'kind')
    return `the only kind is ${FREEZE_WINDOW_KIND}; a verification policy file has no kind`;
  return path.join('.') === 'rollbackTarget' && reference
    ? `inline secrets are refused in files: give ${reference}: { env: <variable of the Shipwatch server> }`
    : 'unknown field';
}

/** The line of an unknown key (its value may be absent). */
function keyLine(
  doc: ReturnType<typeof parseDocument>,
  path: readonly (string | number)[],
  key: string,
  lineAt: (offset: number | undefined) => number | null,
): number | null {
  const map: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
  const items = (map as { items?: { key?: unknown }[] } | null)?.items ?? [];
  const pair = items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === key);
  return pair && isNode(pair.key) ? lineAt(pair.key.range?.[0]) : null;
}

/** One line per problem: `file:line: field: message`. */
export const describeProblem = (p: PolicyFileProblem): string =>
  `${p.file}${p.line !== null ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
