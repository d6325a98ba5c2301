/**
 * `shipwatch deployment start|finish`: a deployment of a service to an environment. In CI the
 * deployment id, commit, repository and pipeline run come from the environment, and the commits
 * the deployment carries from `git log` since the previous deployment.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type OptionSpecs } from '../args.js';
import { deriveDeploymentId } from '../ci-context.rule.js';
import { CliError, ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand, type Invocation } from '../command.js';
import { Git } from '../git.js';
import { DEPLOYMENT, type DeploymentView } from '../operations.js';
import { commitsToSend } from './commits.js';
import { findDeploymentId, lookUpDeployment, previousDeployedSha } from './deployment-lookup.js';
import {
  compact,
  describeOutcome,
  ENVELOPE_OPTIONS,
  envelope,
  eventContext,
  link,
  optionalTime,
  sendEvent,
  time,
} from './event-options.js';
import { waitForVerdict, WAIT_OPTIONS } from './verdict.js';

const TIERS = ['production', 'staging', 'testing', 'development'] as const;
const KINDS = ['PLANNED', 'HOTFIX', 'ROLLBACK', 'REVERT'] as const;
const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'ROLLED_BACK'] as const;

const DEPLOYMENT_OPTIONS = {
  service: {
    type: 'string',
    short: 's',
    placeholder: '<name>',
    description: 'Service name, equal to the workload’s OpenTelemetry service.name (required)',
  },
  environment: {
    type: 'string',
    short: 'e',
    placeholder: '<name>',
    description: 'Environment name, e.g. production (required)',
  },
  version: {
    type: 'string',
    short: 'v',
    placeholder: '<version>',
    description: 'Version deployed, equal to the workload’s service.version',
  },
  namespace: {
    type: 'string',
    placeholder: '<ns>',
    description: 'OpenTelemetry service.namespace',
  },
  team: { type: 'string', placeholder: '<team>', description: 'Owning team' },
  tier: {
    type: 'string',
    placeholder: '<tier>',
    choices: TIERS,
    description: 'Environment tier (default: inferred from the name)',
  },
  'previous-version': { type: 'string', placeholder: '<version>', description: 'Version replaced' },
  target: {
    type: 'string',
    placeholder: '<target>',
    description:
      'Region or cluster of this wave of a multi-target release (e.g. eu-west-1): verified on its own series, counted once in DORA',
  },
  id: {
    type: 'string',
    placeholder: '<id>',
    description:
      'Deployment id in its source (default in CI: <ci>:<run>:<service>:<environment>, shared by start and finish)',
  },
  sha: {
    type: 'string',
    placeholder: '<sha>',
    description: 'Commit deployed (default: the CI commit, else HEAD of the checkout)',
  },
  repository: {
    type: 'string',
    placeholder: '<owner/name>',
    description: 'Repository (default: the CI project, else the origin remote)',
  },
  kind: {
    type: 'string',
    placeholder: '<kind>',
    choices: KINDS,
    description: 'Why it was deployed (default PLANNED)',
  },
  'remediates-deployment': {
    type: 'string',
    multiple: true,
    placeholder: '<id>',
    description: 'A deployment (id in the same source) this one repairs',
  },
  'remediates-incident': {
    type: 'string',
    multiple: true,
    placeholder: '<id>',
    description: 'An incident (id in the same source) this one repairs',
  },
  'rolls-back': {
    type: 'string',
    placeholder: '<id>',
    description:
      'Shipwatch id of the deployment this one rolls back (as sent in the rollback webhook): sets --kind ROLLBACK and what it remediates',
  },
  link: {
    type: 'string',
    placeholder: '<url>',
    description:
      'Link to the deployment’s page (default: the CI run; not the Shipwatch server: that is --server)',
  },
  'pipeline-run-id': {
    type: 'string',
    placeholder: '<id>',
    description: 'Pipeline run that deployed it (default: the CI run)',
  },
  'started-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'Start time (start: default now)',
  },
  'commits-since': {
    type: 'string',
    placeholder: '<sha>',
    description: 'Send the commits after this one (default: the previous deployment’s commit)',
  },
  'no-commits': {
    type: 'boolean',
    description: 'Do not read commits from git (Shipwatch then uses the pushes it received)',
  },
  ...ENVELOPE_OPTIONS,
} as const satisfies OptionSpecs;

const FINISH_OPTIONS = {
  ...DEPLOYMENT_OPTIONS,
  status: {
    type: 'string',
    placeholder: '<status>',
    choices: FINISHED,
    description: 'How it ended (default SUCCEEDED)',
  },
  'finished-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'Finish time (default now)',
  },
  'wait-verdict': {
    type: 'boolean',
    description: 'Then wait for the release verdict, like `deployment wait-verdict`',
  },
  ...WAIT_OPTIONS,
} as const satisfies OptionSpecs;

type DeploymentValues = Invocation<typeof DEPLOYMENT_OPTIONS>['values'];

async function report(
  inv: Invocation<typeof DEPLOYMENT_OPTIONS>,
  phase: 'start' | 'finish',
  status: string,
  extra: Record<string, unknown>,
): Promise<{ entityId: string | null; deploymentId: string; source: string }> {
  const v: DeploymentValues = inv.values;
  if (!v.service) throw new UsageError('--service is required', inv.command);
  if (!v.environment) throw new UsageError('--environment is required', inv.command);
  const eventLink = link(inv, v.link);
  const ec = eventContext(inv);
  const ci = ec.ci;
  if (v.id) await refuseShipwatchId(inv, v.id, ec.source);
  let deploymentId =
    v.id ?? deriveDeploymentId(ci, v.service, v.environment, v.namespace ?? '', v.target ?? '');
  if (!deploymentId) {
    // With --event-id a retry must name the same deployment: derive its id from the event's.
    deploymentId = v['event-id']
      ? `${v.service}-${v.environment}-${createHash('sha256').update(`${ec.source}\u0000${v['event-id']}`).digest('hex').slice(0, 12)}`
      : `${v.service}-${v.environment}-${ec.now.getTime().toString(36)}${randomBytes(2).toString('hex')}`;
    inv.info(
      phase === 'start'
        ? `deployment id ${deploymentId}: pass --id ${deploymentId} to \`shipwatch deployment finish\``
        : `deployment id ${deploymentId} (a one-shot deployment; pass --id to finish one you started)`,
    );
  }
  const git = new Git(inv.ctx.cwd);
  const checkout = await git.isCheckout();
  const sha = v.sha ?? ci?.commitSha ?? (checkout ? await git.headSha() : undefined);
  const repository =
    v.repository ?? ci?.repository ?? (checkout ? await git.remoteRepository() : undefined);
  const env = envelope(inv, ec);

  let commits: Record<string, unknown>[] | undefined;
  if (!v['no-commits'] && checkout && sha) {
    const since =
      v['commits-since'] ??
      (await previousDeployedSha(inv, {
        service: v.service,
        namespace: v.namespace,
        environment: v.environment,
        exclude: { source: ec.source, externalId: deploymentId },
      }));
    commits = await commitsToSend(inv, git, sha, since);
  }
  const remediates: Record<string, string>[] = [
    ...v['remediates-deployment'].map((id) => ({ kind: 'DEPLOYMENT', id })),
    ...v['remediates-incident'].map((id) => ({ kind: 'INCIDENT', id })),
  ];
  let rolledBack: DeploymentView | undefined;
  if (v['rolls-back']) {
    const data = await inv
      .client()
      .request<{ deployment: DeploymentView | null }>(DEPLOYMENT, { id: v['rolls-back'] });
    if (!data.deployment) {
      throw new CliError(
        ExitCode.FAILURE,
        `--rolls-back: deployment ${v['rolls-back']} does not exist`,
        'DEPLOYMENT_NOT_FOUND',
      );
    }
    rolledBack = data.deployment;
    remediates.push({ kind: 'DEPLOYMENT', id: rolledBack.externalId, source: rolledBack.source });
  }
  const input = compact({
    ...env,
    deploymentId,
    service: v.service,
    namespace: v.namespace,
    team: v.team,
    environment: v.environment,
    environmentTier: v.tier?.toUpperCase(),
    version: v.version,
    previousVersion: v['previous-version'] ?? rolledBack?.version ?? undefined,
    target: v.target,
    commitSha: sha,
    repository,
    commits,
    status,
    kind: v.kind ?? (rolledBack ? 'ROLLBACK' : undefined),
    remediates: remediates.length > 0 ? remediates : undefined,
    url: eventLink ?? ci?.url,
    pipelineRunId: v['pipeline-run-id'] ?? ci?.runId,
    ...extra,
  });
  const outcome = await sendEvent(inv, 'deployment', input);
  // A DUPLICATE (a retried step) carries the id of the deployment it names, too.
  const entityId = outcome.entityId ?? null;
  const what = `deployment ${deploymentId} of ${v.service}${v.version ? `@${v.version}` : ''} to ${v.environment} (${status})`;
  const data = {
    result: outcome.result,
    id: entityId,
    deploymentId,
    source: ec.source,
    eventId: env.eventId,
    status,
    commits: commits?.length ?? null,
    note: outcome.note ?? null,
    changedFields: outcome.changedFields,
  };
  if (!(inv.json && inv.values['wait-verdict' as keyof DeploymentValues])) {
    inv.result(
      `${what}: ${describeOutcome(outcome)}${entityId ? `\nShipwatch deployment id: ${entityId}` : ''}`,
      data,
    );
  }
  return { entityId, deploymentId, source: ec.source };
}

/**
 * `--id` is the deployment's id in its source (the CI's), never Shipwatch's: `--id 42` where 42
 * is the Shipwatch id of another deployment of this service and environment would create a
 * second deployment instead of finishing the first. Refused with the id to pass instead.
 */
async function refuseShipwatchId(
  inv: Invocation<typeof DEPLOYMENT_OPTIONS>,
  id: string,
  source: string,
): Promise<void> {
  const v = inv.values;
  if (!/^\d{1,18}$/.test(id) || !v.service || !v.environment) return;
  const scope = { service: v.service, namespace: v.namespace, environment: v.environment };
  const own = await findDeploymentId(inv, { ...scope, source, externalId: id });
  if (own !== undefined) return;
  const shipwatch = await lookUpDeployment(inv, id);
  if (
    !shipwatch ||
    shipwatch.service.name !== v.service ||
    (shipwatch.service.namespace ?? '') !== (v.namespace ?? '') ||
    shipwatch.environment.name !== v.environment
  ) {
    return;
  }
  const sameSource = shipwatch.source === source;
  throw new UsageError(
    `--id ${id} is Shipwatch's id of deployment ${JSON.stringify(shipwatch.externalId)} (source ${shipwatch.source}) of ${v.service} to ${v.environment}, not the deployment's id in its source; pass --id ${shipwatch.externalId}${sameSource ? '' : ` --source ${shipwatch.source}`} to report that deployment (nothing was sent)`,
    inv.command,
  );
}

export const deploymentStart = defineCommand({
  path: ['deployment', 'start'],
  summary: 'Report that a deployment started',
  description:
    'Sends a deployment in IN_PROGRESS. Follow it with `shipwatch deployment finish` (in CI the two share the deployment id; elsewhere pass the printed --id).',
  options: DEPLOYMENT_OPTIONS,
  examples: [
    'shipwatch deployment start --service checkout --environment production --version 1.4.2',
  ],
  async run(inv): Promise<ExitCode> {
    const startedAt = inv.values['started-at']
      ? time(inv, 'started-at', inv.values['started-at'])
      : inv.ctx.now().toISOString();
    await report(inv, 'start', 'IN_PROGRESS', { startedAt });
    return ExitCode.OK;
  },
});

export const deploymentFinish = defineCommand({
  path: ['deployment', 'finish'],
  summary: 'Report that a deployment finished (and optionally wait for its verdict)',
  description:
    'Sends the deployment with its final status. A successful production deployment starts release verification; with --wait-verdict the command then waits for the verdict and exits 1 when the release failed it.',
  options: FINISH_OPTIONS,
  examples: [
    'shipwatch deployment finish --service checkout --environment production --version 1.4.2',
    'shipwatch deployment finish -s checkout -e production -v 1.4.2 --wait-verdict --timeout 15m',
    'shipwatch deployment finish -s checkout -e production --status FAILED',
    '# in the job started by a Shipwatch rollback request (GitLab trigger variables):',
    'shipwatch deployment finish -s checkout -e production -v "$SHIPWATCH_TO_VERSION" --rolls-back "$SHIPWATCH_DEPLOYMENT_ID"',
  ],
  async run(inv): Promise<ExitCode> {
    const v = inv.values;
    const status = v.status ?? 'SUCCEEDED';
    const finishedAt = v['finished-at']
      ? time(inv, 'finished-at', v['finished-at'])
      : inv.ctx.now().toISOString();
    const { entityId } = await report(
      inv,
      'finish',
      status,
      compact({ finishedAt, startedAt: optionalTime(inv, 'started-at', v['started-at']) }),
    );
    if (!v['wait-verdict']) return ExitCode.OK;
    if (!entityId) {
      throw new CliError(
        ExitCode.FAILURE,
        'cannot find the id of this deployment to wait for its verdict (does the token have the READ scope?)',
        'DEPLOYMENT_NOT_FOUND',
      );
    }
    return waitForVerdict(inv, entityId, v);
  },
});
