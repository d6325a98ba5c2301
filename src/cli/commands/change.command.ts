/**
 * `shipwatch change`: commits pushed or a pull request merged. Commits come from --sha, from
 * `git log <range>` with --range, or default to the checkout's HEAD commit.
 */
import type { OptionSpecs } from '../args.js';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand } from '../command.js';
import { Git, type GitCommit } from '../git.js';
import { MAX_COMMITS } from './commits.js';
import {
  compact,
  describeOutcome,
  ENVELOPE_OPTIONS,
  envelope,
  eventContext,
  optionalTime,
  sendEvent,
} from './event-options.js';

const CHANGE_OPTIONS = {
  repository: {
    type: 'string',
    placeholder: '<owner/name>',
    description: 'Repository (default: the CI project, else the origin remote)',
  },
  sha: {
    type: 'string',
    multiple: true,
    placeholder: '<sha>',
    description: 'A commit, oldest first (default: HEAD of the checkout)',
  },
  range: {
    type: 'string',
    placeholder: '<from>..<to>',
    description: 'Send the commits of `git log <from>..<to>` (with their times and messages)',
  },
  before: {
    type: 'string',
    placeholder: '<sha>',
    description: 'The commit the branch pointed at before (default with --range: <from>)',
  },
  'pushed-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'Push time (default: occurred-at)',
  },
  pr: {
    type: 'string',
    placeholder: '<id>',
    description: 'Pull/merge request id, when one was merged',
  },
  'pr-first-commit-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'Time of the pull request’s first commit (default: the earliest commit time)',
  },
  'merged-at': {
    type: 'string',
    placeholder: '<time>',
    description: 'Merge time of the pull request',
  },
  'merge-sha': {
    type: 'string',
    placeholder: '<sha>',
    description: 'Merge commit of the pull request',
  },
  ...ENVELOPE_OPTIONS,
} as const satisfies OptionSpecs;

export const change = defineCommand({
  path: ['change'],
  summary: 'Report commits pushed or a pull request merged',
  description:
    'Changes are what lead time is measured on: from a change’s start (its pull request’s first commit, else its commit time) to the first successful production deployment that carries it.',
  options: CHANGE_OPTIONS,
  examples: [
    'shipwatch change --range origin/main@{1}..origin/main',
    'shipwatch change --pr 1234 --merged-at now --merge-sha "$(git rev-parse HEAD)" --range main..feature',
    'shipwatch change --repository acme/shop --sha 1a2b3c4d5e6f',
  ],
  async run(inv): Promise<ExitCode> {
    const v = inv.values;
    const ec = eventContext(inv);
    const git = new Git(inv.ctx.cwd);
    const checkout = await git.isCheckout();
    const repository =
      v.repository ?? ec.ci?.repository ?? (checkout ? await git.remoteRepository() : undefined);
    if (!repository)
      throw new UsageError('--repository is required outside a checkout', inv.command);
    let commits: (Partial<GitCommit> & { sha: string })[];
    let before = v.before;
    if (v.range) {
      if (v.sha.length > 0) throw new UsageError('give --range or --sha, not both', inv.command);
      const m = /^(.+?)\.\.(.+)$/.exec(v.range);
      if (!m) throw new UsageError('--range must look like <from>..<to>', inv.command);
      if (!checkout) throw new UsageError('--range needs a git checkout', inv.command);
      commits = await git.log(m[2], m[1], MAX_COMMITS);
      before ??= (await git.log(m[1], undefined, 1))[0]?.sha;
    } else if (v.sha.length > 0) {
      commits = v.sha.map((sha) => ({ sha }));
    } else {
      const head = checkout ? await git.headSha() : undefined;
      if (!head) throw new UsageError('give --sha or --range outside a git checkout', inv.command);
      commits = await git.log(head, undefined, 1);
    }
    const env = envelope(inv, ec);
    const pullRequest = v.pr
      ? compact({
          id: v.pr,
          firstCommitAt: optionalTime(inv, 'pr-first-commit-at', v['pr-first-commit-at']),
          mergedAt: optionalTime(inv, 'merged-at', v['merged-at']),
          mergeCommitSha: v['merge-sha'],
        })
      : undefined;
    if (!v.pr && (v['merged-at'] || v['merge-sha'] || v['pr-first-commit-at'])) {
      throw new UsageError(
        '--merged-at, --merge-sha and --pr-first-commit-at need --pr',
        inv.command,
      );
    }
    const input = compact({
      ...env,
      repository,
      commits: commits.map((c) =>
        compact({
          sha: c.sha,
          message: c.message?.slice(0, 2000),
          authoredAt: c.authoredAt,
          committedAt: c.committedAt,
        }),
      ),
      before,
      pushedAt: optionalTime(inv, 'pushed-at', v['pushed-at']),
      pullRequest,
    });
    const outcome = await sendEvent(inv, 'change', input);
    inv.result(
      `change in ${repository}: ${commits.length} commit(s)${v.pr ? `, pull request ${v.pr}` : ''}: ${describeOutcome(outcome)}`,
      {
        result: outcome.result,
        repository,
        commits: commits.map((c) => c.sha),
        source: ec.source,
        eventId: env.eventId,
        note: outcome.note ?? null,
      },
    );
    return ExitCode.OK;
  },
});
