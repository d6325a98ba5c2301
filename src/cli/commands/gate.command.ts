/**
 * `shipwatch gate`: asks the pre-deploy gate (deploymentGate) whether a version of a service may
 * be deployed to an environment now. Exit 0 to go (ALLOW, or WARN with its reasons printed), 20
 * DENY, 21 when the gate could not make every check (and nothing denied).
 */
import type { OptionSpecs } from '../args.js';
import { ExitCode, UsageError } from '../cli.errors.js';
import { defineCommand } from '../command.js';
import { DEPLOYMENT_GATE, type DeploymentGateView } from '../operations.js';

const GATE_OPTIONS = {
  service: {
    type: 'string',
    short: 's',
    placeholder: '<name>',
    description: 'Service name, as the workload’s OpenTelemetry service.name (required)',
  },
  environment: {
    type: 'string',
    short: 'e',
    placeholder: '<name>',
    description: 'Environment to deploy to (required)',
  },
  version: {
    type: 'string',
    short: 'v',
    placeholder: '<version>',
    description: 'Version about to be deployed (checks whether it FAILED before)',
  },
  namespace: {
    type: 'string',
    placeholder: '<ns>',
    description: 'OpenTelemetry service.namespace',
  },
  target: {
    type: 'string',
    placeholder: '<target>',
    description:
      'A wave of a multi-target release (region, cluster): also asks the other targets’ verdicts for this version',
  },
  'deny-on-warn': {
    type: 'boolean',
    description: 'Exit 20 on WARN too (default: WARN passes, with its reasons printed)',
  },
} as const satisfies OptionSpecs;

/** The exit code of a gate answer. */
export function gateExitCode(answer: DeploymentGateView, denyOnWarn: boolean): ExitCode {
  if (answer.decision === 'DENY') return ExitCode.GATE_DENY;
  if (!answer.complete) return ExitCode.GATE_UNDECIDED;
  if (answer.decision === 'WARN' && denyOnWarn) return ExitCode.GATE_DENY;
  return ExitCode.OK;
}

export const gate = defineCommand({
  path: ['gate'],
  summary:
    'Ask whether a deployment may go now (a pre-deploy gate): exit 0 go, 20 deny, 21 undecided',
  description: [
    'Asks Shipwatch’s pre-deploy gate: ALLOW, WARN or DENY with coded reasons (a lock, an open',
    'incident, a version that FAILED before, a verification still running, a degraded environment,',
    'the error budget burning). Exit codes: 0 ALLOW or WARN (reasons printed; --deny-on-warn makes',
    'WARN 20), 20 DENY, 21 the gate could not make every check (e.g. Prometheus unreachable) and',
    'nothing denied. An unknown service is ALLOWed with an UNKNOWN_SERVICE warning.',
  ].join('\n'),
  options: GATE_OPTIONS,
  examples: [
    'shipwatch gate -s checkout -e production -v 1.4.2',
    'shipwatch gate -s checkout -e production --json | jq .reasons',
    'shipwatch gate -s checkout -e production -v 1.4.2 --target eu-west-1',
  ],
  async run(inv): Promise<ExitCode> {
    const v = inv.values;
    if (!v.service) throw new UsageError('--service is required', inv.command);
    if (!v.environment) throw new UsageError('--environment is required', inv.command);
    const { deploymentGate: answer } = await inv
      .client()
      .request<{ deploymentGate: DeploymentGateView }>(DEPLOYMENT_GATE, {
        service: v.service,
        environment: v.environment,
        version: v.version ?? null,
        namespace: v.namespace ?? null,
        target: v.target ?? null,
      });
    const code = gateExitCode(answer, v['deny-on-warn'] === true);
    const release = `${v.service}${v.version ? ` ${v.version}` : ''} to ${v.environment}${v.target ? ` (${v.target})` : ''}`;
    const verdict =
      code === ExitCode.GATE_UNDECIDED
        ? `${answer.decision}, incomplete (could not decide)`
        : answer.decision;
    inv.result(
      [
        `gate for ${release}: ${verdict}`,
        ...answer.reasons.map((r) => `  ${r.level} ${r.code}: ${r.message}`),
      ].join('\n'),
      { ...answer, exitCode: code },
    );
    return code;
  },
});
