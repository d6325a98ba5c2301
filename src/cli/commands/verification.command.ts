/**
 * `shipwatch verification approve-rollback|decide|extend|dismiss-risk`: a person's decisions on a
 * release verification (approveRollback / decideVerification / extendBake / dismissSliRisk).
 * Each takes the deployment id (as `shipwatch verify` does) and a --reason kept in the audit;
 * each needs a token with the `triage` (or `admin`) scope. Exit codes: 0 done, 1 refused by the
 * server (e.g. no advised rollback pending, a rollback already requested, the verification
 * ended), 2 usage, 3 token missing or without the scope, 4 server unreachable.
 */
import { parseDuration, type OptionSpecs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand, type Invocation } from '../command.js';
import {
  APPROVE_ROLLBACK,
  DECIDE_VERIFICATION,
  DISMISS_SLI_RISK,
  EXTEND_BAKE,
  VERIFICATION_OF,
  type DecidedVerificationView,
} from '../operations.js';

const REASON = {
  reason: {
    type: 'string',
    short: 'r',
    placeholder: '<text>',
    description: 'Why (required; kept in the verification’s audit)',
  },
} as const satisfies OptionSpecs;
const DEPLOYMENT = [{ name: 'deployment', description: 'Shipwatch deployment id' }];

/** Sends the decision about the deployment's verification; answers the verification after it. */
async function decide(
  inv: Pick<Invocation<typeof REASON>, 'command' | 'positionals' | 'values' | 'client'>,
  mutation: string,
  field: string,
  variables: Record<string, unknown>,
): Promise<DecidedVerificationView> {
  const reason = inv.values.reason;
  if (!reason?.trim()) throw new UsageError('--reason is required', inv.command);
  const client = inv.client();
  const deployment = inv.positionals[0];
  const { releaseVerification: v } = await client.request<{
    releaseVerification: { id: string } | null;
  }>(VERIFICATION_OF, { id: deployment });
  if (!v)
    throw new CliError(
      ExitCode.FAILURE,
      `deployment ${deployment} has no release verification`,
      'VERIFICATION_NOT_FOUND',
    );
  const data = await client.request<Record<string, DecidedVerificationView>>(
    mutation,
    { id: v.id, reason, ...variables },
    { idempotent: false },
  );
  return data[field];
}

const last = (v: DecidedVerificationView): string => {
  const d = v.decisions.at(-1);
  return d ? ` (by ${d.actorName} at ${d.decidedAt}: ${d.reason})` : '';
};

export const verificationApproveRollback = defineCommand({
  path: ['verification', 'approve-rollback'],
  summary: 'Approve the rollback an ADVISE policy advised for a FAILED release',
  description: [
    'Sends the rollback through the outbox (once: a second approval is refused, exit 1) and',
    'marks the deployment ROLLED_BACK. Only a FAILED release of an ADVISE policy waits for an',
    'approval; its policy must name a rollback target.',
  ].join('\n'),
  positionals: DEPLOYMENT,
  options: REASON,
  examples: ['shipwatch verification approve-rollback 42 -r "checkout errors, confirmed"'],
  async run(inv): Promise<ExitCode> {
    const v = await decide(inv, APPROVE_ROLLBACK, 'approveRollback', {});
    inv.result(
      `deployment ${v.deploymentId}: rollback requested at ${v.rollbackRequestedAt ?? '?'}${last(v)}`,
      v,
    );
    return ExitCode.OK;
  },
});

export const verificationDecide = defineCommand({
  path: ['verification', 'decide'],
  summary: 'Mark a release HEALTHY or FAILED: aborts its verification or overrides the verdict',
  description: [
    'A person’s verdict. Its consequences follow the policy’s mode, as a verdict of the',
    'verification would (ENFORCE: a FAILED release is rolled back; ADVISE: alerted, then',
    '`approve-rollback`). A FAILED counts as a change failure in DORA, attribution CONFIRMED.',
  ].join('\n'),
  positionals: DEPLOYMENT,
  options: {
    ...REASON,
    verdict: {
      type: 'string',
      placeholder: '<HEALTHY|FAILED>',
      description: 'The verdict (required)',
    },
  },
  examples: [
    'shipwatch verification decide 42 --verdict FAILED -r "orders lost on checkout"',
    'shipwatch verification decide 42 --verdict HEALTHY -r "the errors were the payment provider"',
  ],
  async run(inv): Promise<ExitCode> {
    const verdict = inv.values.verdict?.toUpperCase();
    if (verdict !== 'HEALTHY' && verdict !== 'FAILED')
      throw new UsageError('--verdict must be HEALTHY or FAILED', inv.command);
    const v = await decide(inv, DECIDE_VERIFICATION, 'decideVerification', { verdict });
    inv.result(`deployment ${v.deploymentId}: ${v.state}${last(v)}`, v);
    return ExitCode.OK;
  },
});

export const verificationExtend = defineCommand({
  path: ['verification', 'extend'],
  summary: 'Bake a running verification longer (1 to 60 minutes more)',
  positionals: DEPLOYMENT,
  options: {
    ...REASON,
    by: {
      type: 'string',
      placeholder: '<duration>',
      description: 'How much longer (required): 60s to 1h, e.g. 15m',
    },
  },
  examples: ['shipwatch verification extend 42 --by 15m -r "traffic peak at noon"'],
  async run(inv): Promise<ExitCode> {
    if (!inv.values.by) throw new UsageError('--by is required', inv.command);
    const seconds = parseDuration('--by', inv.values.by);
    const v = await decide(inv, EXTEND_BAKE, 'extendBake', { seconds: Math.round(seconds) });
    inv.result(
      `deployment ${v.deploymentId}: bake now ${v.policy.timing.bakeSeconds}s (at most ${v.policy.timing.maxVerificationSeconds}s)${last(v)}`,
      v,
    );
    return ExitCode.OK;
  },
});

export const verificationDismissRisk = defineCommand({
  path: ['verification', 'dismiss-risk'],
  summary: 'Record that an SLI of a verification is not a risk (changes no verdict)',
  positionals: DEPLOYMENT,
  options: {
    ...REASON,
    sli: { type: 'string', placeholder: '<name>', description: 'The SLI or check (required)' },
  },
  examples: ['shipwatch verification dismiss-risk 42 --sli latency -r "nightly batch, known slow"'],
  async run(inv): Promise<ExitCode> {
    if (!inv.values.sli) throw new UsageError('--sli is required', inv.command);
    const v = await decide(inv, DISMISS_SLI_RISK, 'dismissSliRisk', { sli: inv.values.sli });
    inv.result(`deployment ${v.deploymentId}: ${inv.values.sli} not a risk${last(v)}`, v);
    return ExitCode.OK;
  },
});
