/**
 * `shipwatch lock add|release|list`: deploy locks (lockDeployments / unlockDeployments /
 * deployLocks). While a lock is in force, `shipwatch gate` answers DENY (LOCKED) for what it
 * covers. Taking and releasing need a token with the `triage` (or `admin`) scope.
 */
import { parseDuration, parseTime, type OptionSpecs } from '../args.js';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand } from '../command.js';
import {
  DEPLOY_LOCKS,
  LOCK_DEPLOYMENTS,
  UNLOCK_DEPLOYMENTS,
  type DeployLockView,
} from '../operations.js';
import { renderTable } from '../output.js';

const LOCK_OPTIONS = {
  service: {
    type: 'string',
    short: 's',
    placeholder: '<name>',
    description: 'Lock this service (default: every service)',
  },
  namespace: { type: 'string', placeholder: '<ns>', description: 'The service’s namespace' },
  environment: {
    type: 'string',
    short: 'e',
    placeholder: '<name>',
    description: 'Only in this environment (default: every environment)',
  },
  reason: {
    type: 'string',
    short: 'r',
    placeholder: '<text>',
    description: 'Why (required; the gate shows it)',
  },
  for: {
    type: 'string',
    placeholder: '<duration>',
    description: 'Lapses by itself after this long (2h, 30m)',
  },
  until: {
    type: 'string',
    placeholder: '<time>',
    description: 'Lapses by itself at this time (RFC 3339)',
  },
} as const satisfies OptionSpecs;

/** What a lock (or a freeze window, scoped alike) covers, in words. */
export const what = (
  l: Pick<DeployLockView, 'scope' | 'service' | 'namespace' | 'environment'>,
): string =>
  l.scope === 'EVERYTHING'
    ? 'every deployment'
    : l.scope === 'ENVIRONMENT'
      ? `every deployment to ${l.environment ?? '?'}`
      : `${l.namespace ? `${l.namespace}/` : ''}${l.service ?? '?'}${l.environment ? ` in ${l.environment}` : ''}`;

export const lockAdd = defineCommand({
  path: ['lock', 'add'],
  summary: 'Lock deployments of a service, an environment or everything (the gate then denies)',
  description: [
    'Takes a deploy lock: `shipwatch gate` answers DENY (LOCKED) for what it covers until',
    '`shipwatch lock release <id>`, or until --for/--until passes. --service (optionally with',
    '--environment) locks a service; --environment alone locks an environment; neither locks',
    'everything. Needs a token with the triage or admin scope.',
  ].join('\n'),
  options: LOCK_OPTIONS,
  examples: [
    'shipwatch lock add -s checkout -e production -r "INC-231: payments degraded" --for 2h',
    'shipwatch lock add -r "Black Friday freeze" --until 2026-11-30T00:00:00Z',
  ],
  async run(inv): Promise<ExitCode> {
    const v = inv.values;
    if (!v.reason?.trim()) throw new UsageError('--reason is required', inv.command);
    if (v.for && v.until) throw new UsageError('give --for or --until, not both', inv.command);
    const now = new Date();
    const until = v.for
      ? new Date(now.getTime() + parseDuration('--for', v.for) * 1000)
      : v.until
        ? parseTime('--until', v.until, now)
        : null;
    const { lockDeployments: lock } = await inv
      .client()
      .request<{ lockDeployments: DeployLockView }>(
        LOCK_DEPLOYMENTS,
        {
          input: {
            service: v.service ?? null,
            namespace: v.namespace ?? null,
            environment: v.environment ?? null,
            reason: v.reason,
            until: until?.toISOString() ?? null,
          },
        },
        { idempotent: false },
      );
    inv.result(
      `lock ${lock.id}: ${what(lock)} locked${lock.until ? ` until ${lock.until}` : ''} (${lock.reason}); release it with: shipwatch lock release ${lock.id}`,
      lock,
    );
    return ExitCode.OK;
  },
});

export const lockRelease = defineCommand({
  path: ['lock', 'release'],
  summary: 'Release a deploy lock',
  positionals: [{ name: 'id', description: 'Lock id (see `shipwatch lock list`)' }],
  options: {},
  async run(inv): Promise<ExitCode> {
    const { unlockDeployments: lock } = await inv
      .client()
      .request<{ unlockDeployments: DeployLockView }>(UNLOCK_DEPLOYMENTS, {
        id: inv.positionals[0],
      });
    inv.result(`lock ${lock.id}: ${what(lock)} released at ${lock.releasedAt ?? '?'}`, lock);
    return ExitCode.OK;
  },
});

export const lockList = defineCommand({
  path: ['lock', 'list'],
  summary: 'List the deploy locks in force (--all: released and lapsed ones too)',
  options: { all: { type: 'boolean', description: 'Released and lapsed locks too' } },
  async run(inv): Promise<ExitCode> {
    const { deployLocks } = await inv
      .client()
      .request<{ deployLocks: DeployLockView[] }>(DEPLOY_LOCKS, { active: !inv.values.all });
    inv.result(
      renderTable(deployLocks, [
        { header: 'ID', value: (l) => l.id, align: 'right' },
        { header: 'LOCKS', value: what },
        { header: 'REASON', value: (l) => l.reason },
        { header: 'BY', value: (l) => l.lockedByName },
        { header: 'UNTIL', value: (l) => l.until },
        { header: 'RELEASED', value: (l) => l.releasedAt },
      ]),
      deployLocks,
    );
    return ExitCode.OK;
  },
});
