/**
 * `shipwatch policy export|diff|apply -f <dir>`: verification policies as code, one YAML file per
 * policy (schemas/verification-policy.schema.json). The server reads and checks the files
 * (applyVerificationPolicyFiles): all of them first, nothing saved when one is invalid. Rollback
 * targets and gate rules are not in files yet; applying never deletes a policy. Admin scope.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand, type Invocation } from '../command.js';
import {
  APPLY_POLICY_FILES,
  VERIFICATION_POLICIES,
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

function dirOf(inv: Invocation<typeof DIR_OPTIONS>): string {
  const dir = inv.values.file;
  if (!dir) throw new UsageError('-f <dir> is required', inv.command);
  return resolve(inv.ctx.cwd, dir);
}

/** Every *.yaml/*.yml file of the directory (not its subdirectories), by name. */
function readDir(inv: Invocation<typeof DIR_OPTIONS>): { name: string; content: string }[] {
  const dir = dirOf(inv);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && statSync(join(dir, n)).isFile());
  } catch (e) {
    throw new UsageError(`cannot read ${inv.values.file}: ${(e as Error).message}`, inv.command);
  }
  if (names.length === 0)
    throw new UsageError(`no *.yaml or *.yml files in ${inv.values.file}`, inv.command);
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

function describePlan(plan: PolicyFilesPlanView): string {
  const lines = plan.changes.flatMap((c) => {
    const head =
      c.status === 'NOT_IN_FILES'
        ? `not in files: ${scopeName(c)} (kept)`
        : `${c.status.toLowerCase()}: ${scopeName(c)} (${c.file ?? '?'})`;
    return [
      head,
      ...c.differences.map(
        (d) => `    ${d.field}: ${d.before ?? '(absent)'} -> ${d.after ?? '(absent)'}`,
      ),
    ];
  });
  const changed = plan.changes.filter((c) => c.status === 'ADDED' || c.status === 'CHANGED');
  lines.push(
    changed.length === 0
      ? 'no changes: the server already matches the files'
      : plan.dryRun
        ? `${changed.length} polic${changed.length === 1 ? 'y' : 'ies'} would be saved (checked against Prometheus; nothing saved)`
        : `saved ${plan.saved} polic${plan.saved === 1 ? 'y' : 'ies'}`,
  );
  return `${lines.join('\n')}\n`;
}

async function plan(
  inv: Invocation<typeof DIR_OPTIONS>,
  dryRun: boolean,
): Promise<PolicyFilesPlanView> {
  const files = readDir(inv);
  const data = await inv
    .client()
    .request<{ applyVerificationPolicyFiles: PolicyFilesPlanView }>(
      APPLY_POLICY_FILES,
      { input: { files, dryRun } },
      { idempotent: true },
    );
  return data.applyVerificationPolicyFiles;
}

/** The file name of a policy: `[<namespace>.]<service>.<environment>.yaml`, safe characters. */
export const policyFileName = (p: VerificationPolicyView): string =>
  `${[p.namespace, p.service, p.environment]
    .filter((s) => s !== '')
    .map((s) => s.replace(/[^A-Za-z0-9_-]+/g, '_'))
    .join('.')}.yaml`;

export const policyExport = defineCommand({
  path: ['policy', 'export'],
  summary: 'Write every saved verification policy to <dir>, one YAML file each',
  description: [
    'Writes [<namespace>.]<service>.<environment>.yaml per saved policy, defaults spelled out,',
    'replacing files of the same name. Rollback targets are not written (not in files yet).',
  ].join('\n'),
  options: DIR_OPTIONS,
  examples: ['shipwatch policy export -f policies/'],
  async run(inv): Promise<ExitCode> {
    const dir = dirOf(inv);
    const { verificationPolicies } = await inv
      .client()
      .request<{ verificationPolicies: VerificationPolicyView[] }>(VERIFICATION_POLICIES, {});
    const written = new Set<string>();
    mkdirSync(dir, { recursive: true });
    for (const p of verificationPolicies) {
      const name = policyFileName(p);
      if (written.has(name)) throw new UsageError(`two policies would both be written to ${name}`);
      written.add(name);
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
      };
      writeFileSync(join(dir, name), toYaml(file));
    }
    inv.result(
      `wrote ${written.size} polic${written.size === 1 ? 'y' : 'ies'} to ${inv.values.file ?? dir}\n`,
      { files: [...written] },
    );
    return ExitCode.OK;
  },
});

export const policyDiff = defineCommand({
  path: ['policy', 'diff'],
  summary: 'Show what `policy apply` would change (exit 30 when it would change something)',
  description: [
    'Sends the files to the server, which reads and checks them as apply does (Prometheus',
    'included) and saves nothing. Exit 0: no changes; 30: policies would be added or changed;',
    '1: a file or a policy is refused. Policies on the server that no file names are listed as',
    '"not in files": apply keeps them.',
  ].join('\n'),
  options: DIR_OPTIONS,
  examples: ['shipwatch policy diff -f policies/'],
  async run(inv): Promise<ExitCode> {
    const p = await plan(inv, true);
    inv.result(describePlan(p), p);
    return p.changes.some((c) => c.status === 'ADDED' || c.status === 'CHANGED')
      ? ExitCode.POLICY_CHANGES
      : ExitCode.OK;
  },
});

export const policyApply = defineCommand({
  path: ['policy', 'apply'],
  summary: 'Save the verification policies of <dir> (all files checked first; never deletes)',
  description: [
    'Every file is read and checked first (YAML, the schema, one policy per service and',
    'environment), then every added or changed policy against Prometheus as',
    'saveVerificationPolicy does; when anything is refused nothing is saved. Then the policies',
    'are saved one by one. Unchanged policies are left alone: a second apply saves nothing.',
    'Policies no file names are kept. Rollback targets stored on the server are kept.',
  ].join('\n'),
  options: DIR_OPTIONS,
  examples: ['shipwatch policy apply -f policies/'],
  async run(inv): Promise<ExitCode> {
    const p = await plan(inv, false);
    inv.result(describePlan(p), p);
    return ExitCode.OK;
  },
});
