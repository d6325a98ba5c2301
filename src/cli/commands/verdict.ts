/**
 * Release verdicts: `deployment wait-verdict` (poll until final, exit 1 when the release failed,
 * so CI can gate on it) and `verify` (the verdict and its evidence, now).
 */
import { choice, parseDuration, type OptionSpecs } from '../args.js';
import { CliError, ExitCode } from '../cli.errors.js';
import { defineCommand, type Invocation } from '../command.js';
import { formatPercent, renderTable } from '../output.js';
import {
  DEPLOYMENT,
  VERDICT_GATE,
  VERIFICATION_EVIDENCE,
  type CoverageView,
  type DeploymentView,
  type TickView,
  type VerificationView,
} from '../operations.js';

/** Final verdicts, plus NONE: no verification applies to the deployment. */
export const VERDICTS = [
  'HEALTHY',
  'HEALTHY_LOW_CONFIDENCE',
  'UNVERIFIED',
  'DEGRADED',
  'ENV_DEGRADED',
  'FAILED',
  'INCONCLUSIVE',
  'SUPERSEDED',
  'NONE',
] as const;
export type Verdict = (typeof VERDICTS)[number];
export const DEFAULT_FAIL_ON: readonly Verdict[] = ['FAILED', 'DEGRADED'];

export const WAIT_OPTIONS = {
  timeout: {
    type: 'string',
    placeholder: '<duration>',
    description: 'Give up after this long with exit code 5 (default 30m)',
  },
  interval: {
    type: 'string',
    placeholder: '<duration>',
    description: 'Time between polls (default 5s)',
  },
  'fail-on': {
    type: 'string',
    placeholder: '<verdicts>',
    description: `Comma-separated verdicts that exit 1 (default ${DEFAULT_FAIL_ON.join(',')}; any of ${VERDICTS.join(', ')})`,
  },
  'whole-bake': {
    type: 'boolean',
    description:
      'After an early HEALTHY (from 300 s), keep waiting to the end of the bake, where a slow burn still makes it DEGRADED and a late regression FAILED',
  },
  'allow-unverified': {
    type: 'boolean',
    description:
      'Exit 0 when the release could not be judged (no Prometheus, no policy, INCONCLUSIVE, UNVERIFIED, ENV_DEGRADED, SUPERSEDED) instead of its exit code 10-15',
  },
} as const satisfies OptionSpecs;

export interface WaitValues {
  readonly timeout?: string;
  readonly 'whole-bake'?: boolean;
  readonly interval?: string;
  readonly 'fail-on'?: string;
  readonly 'allow-unverified'?: boolean;
}

/** The verdicts of a release nobody could judge, each with its exit code. */
const NOT_JUDGED: Partial<Record<Verdict, ExitCode>> = {
  NONE: ExitCode.NOT_JUDGED_NO_POLICY,
  INCONCLUSIVE: ExitCode.NOT_JUDGED_INCONCLUSIVE,
  UNVERIFIED: ExitCode.NOT_JUDGED_UNVERIFIED,
  ENV_DEGRADED: ExitCode.NOT_JUDGED_ENV_DEGRADED,
  SUPERSEDED: ExitCode.NOT_JUDGED_SUPERSEDED,
};

/**
 * The exit code of a final verdict: 1 for a verdict in --fail-on, the verdict's own code (10-15)
 * for a release that could not be judged unless --allow-unverified, else 0. Never 0 for a release
 * nobody judged, unless asked.
 */
export function verdictExitCode(
  verdict: Verdict,
  failOn: readonly Verdict[],
  allowUnverified: boolean,
): ExitCode {
  if (failOn.includes(verdict)) return ExitCode.FAILURE;
  const notJudged = NOT_JUDGED[verdict];
  return notJudged !== undefined && !allowUnverified ? notJudged : ExitCode.OK;
}

export function parseFailOn(value: string | undefined): readonly Verdict[] {
  if (value === undefined) return DEFAULT_FAIL_ON;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => choice('--fail-on', s, VERDICTS));
}

async function fetchEvidence(
  inv: Invocation<OptionSpecs>,
  id: string,
): Promise<VerificationView | null> {
  const data = await inv
    .client()
    .request<{ releaseVerification: VerificationView | null }>(VERIFICATION_EVIDENCE, { id });
  return data.releaseVerification;
}

async function fetchDeployment(inv: Invocation<OptionSpecs>, id: string): Promise<DeploymentView> {
  const data = await inv
    .client()
    .request<{ deployment: DeploymentView | null }>(DEPLOYMENT, { id });
  if (!data.deployment) {
    throw new CliError(ExitCode.FAILURE, `deployment ${id} does not exist`, 'DEPLOYMENT_NOT_FOUND');
  }
  return data.deployment;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export function releaseName(
  v: Pick<VerificationView, 'service' | 'namespace' | 'version' | 'environment'>,
): string {
  return `${v.namespace ? `${v.namespace}/` : ''}${v.service}${v.version ? ` ${v.version}` : ''} in ${v.environment}`;
}

/** The verdict block printed by wait-verdict and verify. */
export function describeVerification(v: VerificationView): string {
  const state = v.verdict ?? v.state;
  const lines = [`${v.kind === 'ROLLBACK' ? 'rollback of ' : ''}${releaseName(v)}: ${state}`];
  if (v.reason) lines.push(`  ${v.reason}`);
  const t = v.policy.timing;
  lines.push(
    `  policy: ${v.policy.mode}${v.policy.isDefault ? ' (default policy)' : ''}, ${t.intervalSeconds}s ticks, bake ${t.bakeSeconds}s; ${v.ticks.length} tick(s)${v.baselineKind ? `, baseline ${v.baselineKind}` : ''}`,
  );
  if (v.rollbackRequestedAt) lines.push(`  rollback requested at ${v.rollbackRequestedAt}`);
  if (v.rollbackBlockedReason) lines.push(`  rollback not requested: ${v.rollbackBlockedReason}`);
  if (v.remediatedAt) lines.push(`  remediated at ${v.remediatedAt}`);
  return lines.join('\n');
}

export async function waitForVerdict(
  inv: Invocation<OptionSpecs>,
  deploymentId: string,
  values: WaitValues,
): Promise<ExitCode> {
  const failOn = parseFailOn(values['fail-on']);
  const allowUnverified = values['allow-unverified'] === true;
  const timeoutMs = parseDuration('--timeout', values.timeout ?? '30m') * 1000;
  const intervalMs = Math.max(200, parseDuration('--interval', values.interval ?? '5s') * 1000);
  const wait = inv.ctx.sleep ?? sleep;
  const started = inv.ctx.now().getTime();
  let lastTicks = -1;
  let said = '';
  const say = (line: string): void => {
    if (line !== said) inv.info(line);
    said = line;
  };
  /** The end of the wait: prints the outcome, and why when the release was not judged. */
  const finish = (
    verdict: Verdict | null,
    human: string,
    data: Record<string, unknown>,
    cause: string,
    code: ExitCode,
  ): ExitCode => {
    const judged = verdict === null || NOT_JUDGED[verdict] === undefined;
    inv.result(human, { ...data, passed: code === ExitCode.OK, judged, exitCode: code });
    if (!judged) {
      inv.warn(
        `${verdict === 'NONE' ? 'not judged' : verdict}: ${cause}; ${
          code === ExitCode.OK
            ? 'passing anyway (--allow-unverified)'
            : `exit ${code} (--allow-unverified lets a release nobody could judge pass)`
        }`,
      );
    }
    return code;
  };
  for (;;) {
    const { verificationCoverage: c, releaseVerification: v } = await inv.client().request<{
      verificationCoverage: CoverageView | null;
      releaseVerification: VerificationView | null;
    }>(VERDICT_GATE, { id: deploymentId });
    if (!c) {
      throw new CliError(
        ExitCode.FAILURE,
        `deployment ${deploymentId} does not exist`,
        'DEPLOYMENT_NOT_FOUND',
      );
    }
    if (c.reason === 'PROMETHEUS_NOT_CONFIGURED') {
      // Nothing can be judged: say so at once rather than wait for an INCONCLUSIVE.
      const code = allowUnverified ? ExitCode.OK : ExitCode.NOT_JUDGED_NO_PROMETHEUS;
      inv.result(`deployment ${deploymentId}: not verified: ${c.message}`, {
        deploymentId,
        verdict: null,
        notVerifiedReason: c.reason,
        passed: code === ExitCode.OK,
        judged: false,
        exitCode: code,
      });
      inv.warn(
        code === ExitCode.OK
          ? `not judged: ${c.message}; passing anyway (--allow-unverified)`
          : `not judged: ${c.message}; exit ${code} (--allow-unverified lets a release nobody could judge pass)`,
      );
      return code;
    }
    const watched = v?.watching === true && values['whole-bake'] === true;
    if (v?.verdict && !watched) {
      const verdict = choice('verdict', v.verdict, VERDICTS);
      const lastTick = v.ticks.at(-1);
      const cause = [v.reason, lastTick ? `last tick: ${lastTick.reason}` : null]
        .filter((p) => p)
        .join('; ');
      return finish(
        verdict,
        describeVerification(v),
        { ...v },
        cause,
        verdictExitCode(verdict, failOn, allowUnverified),
      );
    }
    if (v === null) {
      if (c.reason === 'DEPLOYMENT_NOT_SUCCEEDED') {
        return finish(
          null,
          `deployment ${deploymentId} is ${c.deploymentStatus}: the release never reached users`,
          { deploymentId, verdict: null, deploymentStatus: c.deploymentStatus },
          c.message,
          ExitCode.FAILURE,
        );
      }
      if (c.reason !== 'NOT_FINISHED') {
        return finish(
          'NONE',
          `deployment ${deploymentId} has no release verification: ${c.message}`,
          {
            deploymentId,
            verdict: 'NONE',
            notVerifiedReason: c.reason,
            deploymentStatus: c.deploymentStatus,
          },
          c.message,
          verdictExitCode('NONE', failOn, allowUnverified),
        );
      }
      say(`deployment ${deploymentId} is ${c.deploymentStatus}; waiting for it to finish`);
    } else if (v.ticks.length !== lastTicks) {
      lastTicks = v.ticks.length;
      const last = v.ticks.at(-1);
      const watching = watched ? `${v.state}, watched to the end of the bake: ` : '';
      say(
        last
          ? `verifying ${releaseName(v)}: ${watching}tick ${last.number} ${last.classification} (${last.reason})`
          : `verifying ${releaseName(v)}: first tick at ${v.nextTickAt ?? 'soon'}`,
      );
    }
    if (inv.ctx.now().getTime() - started >= timeoutMs) {
      throw new CliError(
        ExitCode.TIMEOUT,
        `no verdict for deployment ${deploymentId} within ${values.timeout ?? '30m'}${v ? ` (still ${v.state} after ${v.ticks.length} tick(s))` : ''}`,
        'TIMEOUT',
      );
    }
    if (inv.ctx.signal?.aborted) {
      throw new CliError(
        ExitCode.INTERRUPTED,
        'interrupted while waiting for the verdict',
        'INTERRUPTED',
      );
    }
    await wait(intervalMs, inv.ctx.signal);
  }
}

export const waitVerdict = defineCommand({
  path: ['deployment', 'wait-verdict'],
  summary: 'Wait for a release verdict; exit 1 when the release failed (a CI gate)',
  description: [
    'Polls the release verification of a deployment until it has a verdict. Exit codes: 0 the',
    'release passed (HEALTHY, HEALTHY_LOW_CONFIDENCE); 1 a verdict in --fail-on (default FAILED,',
    'DEGRADED) or the deployment itself failed; 5 no verdict within --timeout; and, when nobody',
    'could judge the release (unless --allow-unverified): 10 Shipwatch has no Prometheus, 11 no',
    'policy applies (NONE), 12 INCONCLUSIVE (signals unreadable: Prometheus unreachable, errors,',
    'no data), 13 UNVERIFIED (too little traffic), 14 ENV_DEGRADED, 15 SUPERSEDED.',
  ].join('\n'),
  positionals: [
    { name: 'deployment', description: 'Shipwatch deployment id (printed by `deployment finish`)' },
  ],
  options: WAIT_OPTIONS,
  examples: [
    'shipwatch deployment wait-verdict 42 --timeout 20m',
    'shipwatch deployment wait-verdict 42 --fail-on FAILED,DEGRADED,INCONCLUSIVE',
    'shipwatch deployment wait-verdict 42 --allow-unverified   # a staging deploy without a policy passes',
  ],
  run: (inv) => waitForVerdict(inv, inv.positionals[0], inv.values),
});

// ---------------------------------------------------------------------------------------------
// verify: the verdict and its evidence

interface SideStats {
  readonly total: number;
  readonly bad: number;
  readonly ratio: number;
  readonly burnRate?: number;
}

interface SliEvidenceView {
  readonly name: string;
  readonly classification?: string;
  readonly reason?: string;
  readonly baselineKind?: string;
  readonly canary?: SideStats | null;
  readonly baseline?: SideStats | null;
  readonly preDeploy?: SideStats | null;
  readonly pValue?: number | null;
}

function slisOf(tick: TickView): SliEvidenceView[] {
  const e = tick.evidence as { slis?: unknown } | null | undefined;
  return Array.isArray(e?.slis) ? (e.slis as SliEvidenceView[]) : [];
}

/** Counts are whole when read from counters; older evidence (increase() extrapolated) is not. */
const count = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const side = (s: SideStats | null | undefined): string =>
  s ? `${count(s.bad)}/${count(s.total)} (${formatPercent(s.ratio, s.ratio < 0.01 ? 2 : 1)})` : '-';

export function renderEvidence(v: VerificationView): string {
  const parts = [describeVerification(v), ''];
  if (v.ticks.length === 0)
    return `${parts[0]}\n  no tick yet${v.nextTickAt ? ` (first at ${v.nextTickAt})` : ''}\n`;
  parts.push(
    renderTable(v.ticks, [
      { header: 'TICK', value: (t) => t.number },
      { header: 'WINDOW END', value: (t) => t.windowEnd?.replace(/\.\d+Z$/, 'Z') },
      { header: 'RESULT', value: (t) => `${t.classification}${t.inWarmUp ? ' (warm-up)' : ''}` },
      { header: 'SEVERITY', value: (t) => t.severity },
      { header: 'STATE', value: (t) => t.stateAfter },
      { header: 'REASON', value: (t) => t.reason },
    ]),
  );
  // The evidence of the tick that decided: the last one.
  const last = v.ticks[v.ticks.length - 1];
  const slis = slisOf(last);
  if (slis.length > 0) {
    parts.push(`Evidence of tick ${last.number} (bad/total events):`);
    parts.push(
      renderTable(slis, [
        { header: 'SLI', value: (s) => s.name },
        { header: 'RESULT', value: (s) => s.classification },
        { header: 'NEW VERSION', value: (s) => side(s.canary), align: 'right' },
        {
          header: 'BASELINE',
          value: (s) =>
            `${side(s.baseline ?? s.preDeploy)}${s.baselineKind ? ` ${s.baselineKind}` : ''}`,
        },
        {
          header: 'P-VALUE',
          value: (s) =>
            s.pValue === null || s.pValue === undefined ? null : s.pValue.toPrecision(2),
        },
        {
          header: 'BURN',
          value: (s) => (s.canary?.burnRate === undefined ? null : s.canary.burnRate.toFixed(1)),
        },
      ]),
    );
  }
  return parts.join('\n');
}

export const verify = defineCommand({
  path: ['verify'],
  summary: 'Show the release verdict of a deployment and its evidence',
  description:
    'Prints the verification state or verdict, every tick with its classification, and the per-SLI evidence (bad/total events of the new version and the baseline, p-value, burn rate) of the last tick. Exits 1 when the verdict is in --fail-on (default FAILED, DEGRADED), else 0.',
  positionals: [{ name: 'deployment', description: 'Shipwatch deployment id' }],
  options: { 'fail-on': WAIT_OPTIONS['fail-on'] },
  examples: ['shipwatch verify 42', 'shipwatch verify 42 --json | jq .ticks[-1].evidence'],
  async run(inv): Promise<ExitCode> {
    const id = inv.positionals[0];
    const failOn = parseFailOn(inv.values['fail-on']);
    const v = await fetchEvidence(inv, id);
    if (!v) {
      const d = await fetchDeployment(inv, id);
      inv.result(
        `deployment ${id} (${d.service.name} ${d.version ?? ''} in ${d.environment.name}, ${d.status}) has no release verification`,
        { deploymentId: id, verification: null, deploymentStatus: d.status },
      );
      return ExitCode.OK;
    }
    inv.result(renderEvidence(v), v);
    return v.verdict && failOn.includes(choice('verdict', v.verdict, VERDICTS))
      ? ExitCode.FAILURE
      : ExitCode.OK;
  },
});
