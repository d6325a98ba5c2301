import { resetData, startTestApp, type TestApp } from '../support/test-app.js';

const GATE = `query($service: String!, $environment: String!) {
  deploymentGate(service: $service, environment: $environment) { decision reasons { code level message } } }`;
const RECORD = `mutation($input: IncidentInput!) { recordIncident(input: $input) { result } }`;

interface Gate {
  decision: string;
  reasons: { code: string; level: string; message: string }[];
}

describe('automatic locks: the gate locks an environment while a configured incident is open', () => {
  let t: TestApp;
  let seq = 0;

  const gate = async (service: string, environment: string): Promise<Gate> => {
    const res = await t.gql(GATE, { service, environment });
    expect(res.errors).toBeUndefined();
    return res.data!.deploymentGate as Gate;
  };
  const incidentCodes = async (service: string, environment: string) =>
    (await gate(service, environment)).reasons
      .filter((r) => r.code !== 'UNKNOWN_SERVICE')
      .map((r) => `${r.level} ${r.code}: ${r.message}`);
  const record = async (input: Record<string, unknown>) => {
    const res = await t.gql(RECORD, {
      input: {
        eventId: `e${++seq}`,
        services: [{ name: 'pay' }],
        environment: 'production',
        ...input,
      },
    });
    expect(res.errors).toBeUndefined();
  };

  beforeAll(async () => {
    t = await startTestApp({
      SHIPWATCH_AUTO_LOCK_ON_FAILED: 'true',
      SHIPWATCH_AUTO_LOCK_ON_SEVERITIES: 'SEV1,SEV2',
    });
    await resetData(t.db);
  });
  afterAll(async () => {
    await t.close();
  });

  it('an open SEV1 on another service denies every deployment to its environment, until resolved; a SEV3 warns', async () => {
    await record({
      source: 'pagerduty',
      incidentId: 'P1',
      severity: 'sev1',
      title: 'payments down',
    });
    await record({ source: 'pagerduty', incidentId: 'P3', severity: 'SEV3' });
    expect((await gate('cart', 'production')).decision).toBe('DENY');
    expect(await incidentCodes('cart', 'production')).toEqual([
      'WARN ENVIRONMENT_INCIDENT_OPEN: incident P3 (SEV3) in production is open',
      'DENY AUTO_LOCKED: every deployment to production is locked while incident P1 (sev1) "payments down" is open (SHIPWATCH_AUTO_LOCK_ON_SEVERITIES)',
    ]);
    // Another environment is not locked; the incident's own service keeps INCIDENT_OPEN.
    expect(await incidentCodes('cart', 'staging')).toEqual([]);
    expect((await incidentCodes('pay', 'production'))[1]).toMatch(
      /^DENY INCIDENT_OPEN: incident P1/,
    );

    const now = new Date().toISOString();
    await record({ source: 'pagerduty', incidentId: 'P1', resolvedAt: now, mitigatedAt: now });
    expect(await incidentCodes('cart', 'production')).toEqual([
      'WARN ENVIRONMENT_INCIDENT_OPEN: incident P3 (SEV3) in production is open',
    ]);
    expect((await gate('cart', 'production')).decision).toBe('WARN');
    await record({ source: 'pagerduty', incidentId: 'P3', resolvedAt: now, mitigatedAt: now });
  });

  it('the incident a FAILED verdict opened locks its environment too', async () => {
    // As verdict.service.ts opens it: source shipwatch, release-verification-<deployment>.
    await record({
      source: 'shipwatch',
      incidentId: 'release-verification-77',
      severity: 'critical',
      title: 'Release 2.0.0 of pay failed verification in production',
    });
    expect(await incidentCodes('cart', 'production')).toEqual([
      'DENY AUTO_LOCKED: every deployment to production is locked while incident release-verification-77 (critical) "Release 2.0.0 of pay failed verification in production" is open (SHIPWATCH_AUTO_LOCK_ON_FAILED)',
    ]);
    // The same kind of incident from another source is not a verdict's.
    await record({
      source: 'opsgenie',
      incidentId: 'release-verification-78',
      severity: 'critical',
    });
    expect((await incidentCodes('cart', 'production')).map((r) => r.split(':')[0])).toEqual([
      'WARN ENVIRONMENT_INCIDENT_OPEN',
      'DENY AUTO_LOCKED',
    ]);
  });
});
