import type { TestApp } from './test-app.js';

const GATE = `query($service: String!, $environment: String!) {
  deploymentGate(service: $service, environment: $environment) { decision reasons { code level message } } }`;

export interface GateAnswer {
  decision: string;
  reasons: { code: string; level: string; message: string }[];
}

/** deploymentGate over GraphQL, with `token`; fails the test on a GraphQL error. */
export async function askGate(
  t: TestApp,
  token: string,
  service: string,
  environment: string,
): Promise<GateAnswer> {
  const res = await t.gql(GATE, { service, environment }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.deploymentGate as GateAnswer;
}

/** The gate's LOCKED reasons for a deployment of `service` to `environment`. */
export async function lockedReasons(
  t: TestApp,
  token: string,
  service: string,
  environment: string,
): Promise<GateAnswer['reasons']> {
  const answer = await askGate(t, token, service, environment);
  return answer.reasons.filter((r) => r.code === 'LOCKED');
}
