/**
 * `shipwatch policy export|diff|apply -f <dir>`: verification policies as code, one YAML file per
 * policy (schemas/verification-policy.schema.json) or freeze window (`kind: FreezeWindow`,
 * schemas/freeze-window.schema.json). The server reads and checks the files
 * (applyVerificationPolicyFiles): all of them first, nothing saved when one is invalid, then all
 * saved in one transaction. Rollback targets are in files with their secrets by reference only;
 * only `--prune` deletes the policies no file names. Admin scope.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand, type Invocation } from '../command.js';
import {
  APPLY_POLICY_FILES,
  LIVE_FREEZE_WINDOWS,
  VERIFICATION_POLICIES,
  type FreezeWindowFileView,
  type PolicyFilesPlanView,
  type VerificationPolicyView,
} from '../operations.js';
import { toYaml } from '../yaml-emit.js';

/** The server refuses larger requests; reading stops here so that a wrong directory fails fast. */
const MAX_TOTAL_BYTES = 3_000_000;

const DIR_OPTIONS = {
  file: {
    type: 'string',
    short: 'f',
    placeholder: '<dir>',
    description: 'Directory of policy files (*.yaml, *.yml; required)',
  },
} as const;

const PLAN_OPTIONS = {
  ...DIR_OPTIONS,
  prune: {
    type: 'boolean',
    description: 'Delete the policies on the server that no file names (refused with no file)',
  },
} as const;

function dirOf(inv: Invocation<typeof DIR_OPTIONS>): string {
  const dir = inv.values.file;
  if (!dir) throw new UsageError('-f <dir> is required', inv.command);
  return resolve(inv.ctx.cwd, dir);
}

/** Every *.yaml/*.yml file of the directory (not its subdirectories), by name. */
function readDir(inv: Invocation<typeof PLAN_OPTIONS>): { name: string; content: string }[] {
  const dir = dirOf(inv);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && statSync(join(dir, n)).isFile());
  } catch (e) {
    throw new UsageError(`cannot read ${inv.values.file}: ${(e as Error).message}`, inv.command);
  }
  if (names.length === 0)
    throw new UsageError(
      `no *.yaml or *.yml files in ${inv.values.file}${inv.values.prune ? ': refusing to prune (every policy would be deleted)' : ''}`,
      inv.command,
    );
  let total = 0;
  return names.sort().map((name) => {
    const content = readFileSync(join(dir, name), 'utf8');
    total += Buffer.byteLength(content);
    if (total > MAX_TOTAL_BYTES)
      throw new UsageError(`the files are over ${MAX_TOTAL_BYTES} bytes`, inv.command);
    return { name, content };
  });
}

const scopeName = (c: { service: string; namespace: string; environment: string }): string =>
  `${c.namespace ? `${c.namespace}/` : ''}${c.service} in ${c.environment}`;

type PlanChange = PolicyFilesPlanView['changes'][number];

const label = (c: PlanChange): string =>
  c.kind === 'FREEZE_WINDOW' ? `freeze window ${c.name}` : scopeName(c);

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** `2 policies`, `1 freeze window`, `1 policy and 2 freeze windows`. */
function counted(changes: readonly PlanChange[]): string {
  const windows = changes.filter((c) => c.kind === 'FREEZE_WINDOW').length;
  const policies = changes.length - windows;
  return [
    policies > 0 ? plural(policies, 'policy', 'policies') : '',
    windows > 0 ? plural(windows, 'freeze window', 'freeze windows') : '',
  ]
    .filter((p) => p !== '')
    .join(' and ');
}

function describePlan(plan: PolicyFilesPlanView): string {
  const lines = plan.changes.flatMap((c) => {
    const head =
      c.status === 'NOT_IN_FILES'
        ? `not in files: ${label(c)} (kept; --prune deletes it)`
        : c.status === 'DELETED'
          ? `deleted: ${label(c)} (no file names it)`
          : `${c.status.toLowerCase()}: ${label(c)} (${c.file ?? '?'})`;
    return [
      head,
      ...c.differences.map(
        (d) => `    ${d.field}: ${d.before ?? '(absent)'} -> ${d.after ?? '(absent)'}`,
      ),
    ];
  });
  const changed = plan.changes.filter((c) => c.status === 'ADDED' || c.status === 'CHANGED');
  const deleted = plan.changes.filter((c) => c.status === 'DELETED');
  const summary = plan.dryRun
    ? [
        changed.length > 0 ? `${counted(changed)} would be saved` : '',
        deleted.length > 0 ? `${counted(deleted)} would be deleted` : '',
      ]
    : [
        changed.length > 0 ? `saved ${counted(changed)}` : '',
        deleted.length > 0 ? `deleted ${counted(deleted)}` : '',
      ];
  lines.push(
    changed.length + deleted.length === 0
      ? 'no changes: the server already matches the files'
      : `${summary.filter((p) => p !== '').join(', ')}${plan.dryRun ? ' (checked against Prometheus; nothing saved)' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

async function plan(
  inv: Invocation<typeof PLAN_OPTIONS>,
  dryRun: boolean,
): Promise<PolicyFilesPlanView> {
  const files = readDir(inv);
  const prune = inv.values.prune === true;
  const data = await inv
    .client()
    .request<{ applyVerificationPolicyFiles: PolicyFilesPlanView }>(
      APPLY_POLICY_FILES,
      { input: { files, dryRun, prune } },
      { idempotent: true },
    );
  return data.applyVerificationPolicyFiles;
}

/**
 * The rollback target as a file holds it: where it goes and the variable its secret is read
 * from. A target whose secret is stored inline cannot be written (undefined): it stays on the
 * server, as `apply` keeps the target of a file that names none.
 */
export function fileTarget(
  t: VerificationPolicyView['rollbackTarget'],
): Record<string, unknown> | undefined {
  if (!t?.secretFromEnv) return undefined;
  const present = (o: Record<string, string | null>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
  return {
    kind: t.kind,
    ...present(t.kind === 'WEBHOOK' ? { url: t.url } : { apiUrl: t.url }),
    ...present({
      repository: t.repository,
      workflow: t.workflow,
      ref: t.ref,
      projectId: t.projectId,
      eventType: t.eventType,
    }),
    [t.kind === 'WEBHOOK' ? 'secretFrom' : 'tokenFrom']: { env: t.secretFromEnv },
  };
}

const fileNameOf = (parts: readonly string[]): string =>
  `${parts
    .filter((s) => s !== '')
    .map((s) => s.replace(/[^A-Za-z0-9_-]+/g, '_'))
    .join('.')}.yaml`;

/** The file name of a policy: `[<namespace>.]<service>.<environment>.yaml`, safe characters. */
export const policyFileName = (p: VerificationPolicyView): string =>
  fileNameOf([p.namespace, p.service, p.environment]);

/** A freeze window from files as its file holds it (schemas/freeze-window.schema.json). */
export const freezeWindowFile = (w: FreezeWindowFileView): Record<string, unknown> => ({
  kind: 'FreezeWindow',
  name: w.name,
  ...(w.service !== null ? { service: w.service } : {}),
  ...(w.namespace ? { namespace: w.namespace } : {}),
  ...(w.environment !== null ? { environment: w.environment } : {}),
  cron: w.cron,
  timeZone: w.timeZone,
  durationMinutes: w.durationMinutes,
  reason: w.reason,
});

export const policyExport = defineCommand({
  path: ['policy', 'export'],
  summary: 'Write every saved verification policy and freeze window from files to <dir>',
  description: [
    'Writes [<namespace>.]<service>.<environment>.yaml per saved policy, defaults spelled out,',
    'and freeze.<name>.yaml per freeze window created from files (kind: FreezeWindow), replacing',
    'files of the same name. Freeze windows made with `shipwatch freeze` or GraphQL are not',
    'written (apply never touches them). A rollback target is written with the environment',
    'variable its secret is read from (secretFrom/tokenFrom), never a secret; a target whose',
    'secret is stored inline is not written (and apply keeps it).',
  ].join('\n'),
  options: DIR_OPTIONS,
  examples: ['shipwatch policy export -f policies/'],
  async run(inv): Promise<ExitCode> {
    const dir = dirOf(inv);
    const { verificationPolicies } = await inv
      .client()
      .request<{ verificationPolicies: VerificationPolicyView[] }>(VERIFICATION_POLICIES, {});
    const { freezeWindows } = await inv
      .client()
      .request<{ freezeWindows: FreezeWindowFileView[] }>(LIVE_FREEZE_WINDOWS, {});
    const windows = freezeWindows.filter((w) => w.managedBy === 'files');
    const written = new Set<string>();
    const inline: string[] = [];
    const claim = (name: string): string => {
      if (written.has(name)) throw new UsageError(`two objects would both be written to ${name}`);
      written.add(name);
      return name;
    };
    mkdirSync(dir, { recursive: true });
    for (const w of windows)
      writeFileSync(join(dir, claim(fileNameOf(['freeze', w.name]))), toYaml(freezeWindowFile(w)));
    for (const p of verificationPolicies) {
      const name = claim(policyFileName(p));
      const target = fileTarget(p.rollbackTarget);
      const file = {
        service: p.service,
        ...(p.namespace ? { namespace: p.namespace } : {}),
        environment: p.environment,
        mode: p.mode,
        slis: p.slis,
        checks: p.checks.map((c) => ({
          name: c.name,
          query: c.query,
          ...(c.successCondition !== null ? { successCondition: c.successCondition } : {}),
          ...(c.failureCondition !== null ? { failureCondition: c.failureCondition } : {}),
          dryRun: c.dryRun,
        })),
        timing: p.timing,
        analysis: p.analysis,
        alertChannels: p.alertChannels,
        lateRegressionRollback: p.lateRegressionRollback,
        ...(p.targetLabel ? { targetLabel: p.targetLabel } : {}),
        ...(target ? { rollbackTarget: target } : {}),
      };
      if (p.rollbackTarget && !target) inline.push(name);
      writeFileSync(join(dir, name), toYaml(file));
    }
    const policies = written.size - windows.length;
    inv.result(
      [
        `wrote ${policies} polic${policies === 1 ? 'y' : 'ies'}${windows.length > 0 ? ` and ${plural(windows.length, 'freeze window', 'freeze windows')}` : ''} to ${inv.values.file ?? dir}`,
        ...inline.map(
          (name) =>
            `${name}: the rollback target's secret is stored inline, so the target is not written (apply keeps it; give it as secretFrom/tokenFrom: { env } to keep it in the file)`,
        ),
      ].join('\n') + '\n',
      { files: [...written], inlineSecretTargets: inline },
    );
    return ExitCode.OK;
  },
});

export const policyDiff = defineCommand({
  path: ['policy', 'diff'],
  summary: 'Show what `policy apply` would change (exit 30 when it would change something)',
  description: [
    'Sends the files to the server, which reads and checks them as apply does (Prometheus',
    'included) and saves nothing. Exit 0: no changes; 30: policies or freeze windows would be',
    'added, changed or deleted; 1: a file or a policy is refused. Policies and freeze windows from',
    'files that no file names are listed as "not in files" (apply keeps them), or with --prune as',
    '"deleted" (apply --prune deletes them).',
  ].join('\n'),
  options: PLAN_OPTIONS,
  examples: ['shipwatch policy diff -f policies/', 'shipwatch policy diff --prune -f policies/'],
  async run(inv): Promise<ExitCode> {
    const p = await plan(inv, true);
    inv.result(describePlan(p), p);
    return p.changes.some(
      (c) => c.status === 'ADDED' || c.status === 'CHANGED' || c.status === 'DELETED',
    )
      ? ExitCode.POLICY_CHANGES
      : ExitCode.OK;
  },
});

export const policyApply = defineCommand({
  path: ['policy', 'apply'],
  summary: 'Save the policies and freeze windows of <dir> (all checked first, one transaction)',
  description: [
    'Every file is read and checked first (YAML, the schema, one policy per service and',
    'environment), then every added or changed policy against Prometheus as',
    'saveVerificationPolicy does; when anything is refused nothing is saved. Then the policies',
    'and freeze windows (kind: FreezeWindow, matched by name; a changed one is replaced) are',
    'saved in one transaction: all or none. Unchanged ones are left alone: a second apply saves',
    'nothing. Policies and windows from files that no file names are kept, or deleted with',
    '--prune (in the same transaction; refused when the directory has no file); windows made',
    'with `shipwatch freeze` or GraphQL are never touched. A file without rollbackTarget keeps',
    'the target stored on the server; a secretFrom/tokenFrom naming a variable the server does',
    'not have is refused (SECRET_ENV_NOT_SET).',
  ].join('\n'),
  options: PLAN_OPTIONS,
  examples: ['shipwatch policy apply -f policies/', 'shipwatch policy apply --prune -f policies/'],
  async run(inv): Promise<ExitCode> {
    const p = await plan(inv, false);
    inv.result(describePlan(p), p);
    return ExitCode.OK;
  },
});
